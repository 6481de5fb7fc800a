export interface ExpressionParseStats {
  /** Runs of dynalite's own parser. */
  parses: number;
  /** Parses answered from memory. */
  hits: number;
}
export type DynaliteParse = (text: string, options?: { context?: Record<string, unknown> }) => unknown;
export declare const memoizeExpressionParser: (
  parse: DynaliteParse,
  options?: { max?: number },
) => { parse: DynaliteParse; stats: ExpressionParseStats; size: () => number };
export declare const installExpressionMemo: (requireFromDynalite: (id: string) => unknown, options?: { max?: number }) => { stats: () => ExpressionParseStats };
