/** Side-by-side pricing of AlertWarden's measured usage and deepalert's modeled usage. */
import type { PriceList } from './prices.ts';
import { priceUsage, totalUsd, type LineItem, type Usage } from './usage.ts';

export interface Comparison {
  name: string;
  ours: LineItem[];
  theirs: LineItem[];
  oursUsd: number;
  theirsUsd: number;
  /** ours / theirs */
  ratio: number;
  /** Our most expensive line. */
  dominant: LineItem;
}

export const compare = (name: string, ours: Usage, theirs: Usage, prices: PriceList): Comparison => {
  const o = priceUsage(ours, prices);
  const t = priceUsage(theirs, prices);
  const oursUsd = totalUsd(o);
  const theirsUsd = totalUsd(t);
  return { name, ours: o, theirs: t, oursUsd, theirsUsd, ratio: theirsUsd > 0 ? oursUsd / theirsUsd : Infinity, dominant: [...o].sort((a, b) => b.usd - a.usd)[0]! };
};

export const usd = (n: number): string => (n === 0 ? '$0' : n >= 100 ? `$${n.toFixed(0)}` : n >= 0.01 ? `$${n.toFixed(2)}` : `$${n.toPrecision(3)}`);

const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

export const formatComparison = (c: Comparison): string => {
  const rows = c.ours.map((line, i) => {
    const other = c.theirs[i]!;
    return `  ${pad(line.service, 24)} ${pad(line.quantity, 34)} ${lpad(usd(line.usd), 11)}   ${pad(other.quantity, 34)} ${lpad(usd(other.usd), 11)}`;
  });
  return [
    `  ${pad('', 24)} ${pad('AlertWarden (measured)', 46)}   ${pad('deepalert design (modeled)', 46)}`,
    ...rows,
    `  ${pad('Total', 24)} ${pad('', 34)} ${lpad(usd(c.oursUsd), 11)}   ${pad('', 34)} ${lpad(usd(c.theirsUsd), 11)}`,
    `  AlertWarden / deepalert = ${c.ratio.toFixed(3)}; our largest line: ${c.dominant.service} (${usd(c.dominant.usd)}, ${((100 * c.dominant.usd) / c.oursUsd).toFixed(0)}%)`,
  ].join('\n');
};
