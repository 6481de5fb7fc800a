import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { parseIpv4 } from '../../core/ip-address.ts';
import { createDetectors } from '../index.ts';
import { FlowLogLineReader, readFlowLogLines } from '../input.ts';
import { DEFAULT_FLOW_LOG_FORMAT, loadDetectorSettings } from '../settings.ts';
import { parseBlocklist } from '../../inspectors/blocklist/parse.ts';
import { FlowLogLine, integerOf, ipv4BitsOf, ipv4Of, isHeaderLine, isInternalAt, toFlowLogRecord } from './format.ts';

// Records from AWS's "Flow log record examples" page (default v2 format unless a header says otherwise).
const ACCEPTED = '2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK';
const NODATA = '2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA';
const SKIPDATA = '2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA';
const IPV6 = '2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK';
const V3_HEADER = 'version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status';
const V3_NAT = '3 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-01234567890123456 eni-1235b8ca123456789 123456789010 IPv4 10.40.1.175 10.40.2.236 39812 80 10.20.33.164 10.40.2.236 6 3420 20 1566848875 1566848933 ACCEPT 2 OK';

const plain = (line: string, format: readonly string[] = DEFAULT_FLOW_LOG_FORMAT) => readFlowLogLines([line], 't', format).records[0];

describe('flow-log lines', () => {
  test('the default v2 format reads every field, as a plain record', () => {
    expect(plain(ACCEPTED)).toEqual({
      version: '2', accountId: '123456789010', interfaceId: 'eni-1235b8ca123456789', srcaddr: '172.31.16.139', dstaddr: '172.31.16.21',
      srcport: '20641', dstport: '22', protocol: '6', packets: '20', bytes: '4249', start: '1418530010', end: '1418530070',
      action: 'ACCEPT', logStatus: 'OK', instanceId: undefined, vpcId: undefined, region: undefined, flowDirection: undefined,
      tcpFlags: undefined, pktSrcaddr: undefined, pktDstaddr: undefined,
    });
  });

  test('NODATA and SKIPDATA rows: - fields are missing, numeric reads are -1, and no rule fires', () => {
    const d = createDetectors({ settings: loadDetectorSettings({}), blocklists: [parseBlocklist('0.0.0.0/0\n', 'everything', 'mem')] });
    for (const line of [NODATA, SKIPDATA]) {
      const r = plain(line)!;
      expect(r).toMatchObject({ srcaddr: undefined, dstaddr: undefined, dstport: undefined, action: undefined, start: '1431280876' });
      expect([ipv4Of(r, 'srcaddr'), integerOf(r, 'dstport'), ipv4BitsOf(r, 'dstaddr')]).toEqual([-1, -1, undefined]);
      expect(d.flowlogs.detect(r)).toEqual([]);
    }
    expect(plain(NODATA)!.logStatus).toBe('NODATA');
    expect(plain(SKIPDATA)!.logStatus).toBe('SKIPDATA');
  });

  test('IPv6 addresses are kept as text; the IPv4 reads say -1 and the blocklist still matches them', () => {
    const r = plain(IPV6)!;
    expect([r.srcaddr, ipv4Of(r, 'srcaddr'), integerOf(r, 'srcport')]).toEqual(['2001:db8:1234:a100:8d6e:3477:df66:f105', -1, 34892]);
    const d = createDetectors({ settings: loadDetectorSettings({}), blocklists: [parseBlocklist('2001:db8:1234:a100::/64\n', 'v6', 'mem')] });
    expect(d.flowlogs.detect(r).map((x) => x.alert.alert_key)).toEqual(['eni-1235b8ca123456789:2001:db8:1234:a100:8d6e:3477:df66:f105']);
  });

  test('a custom format from the header line (v3: pkt-srcaddr behind NAT, tcp-flags)', () => {
    const reader = new FlowLogLineReader('s3://b/k', DEFAULT_FLOW_LOG_FORMAT);
    expect(reader.read(V3_HEADER)).toBeUndefined();
    const r = toFlowLogRecord(reader.read(V3_NAT)!);
    expect(r).toMatchObject({ version: '3', vpcId: 'vpc-abcdefab012345678', instanceId: 'i-01234567890123456', srcaddr: '10.40.1.175', pktSrcaddr: '10.20.33.164', tcpFlags: '2', action: 'ACCEPT', logStatus: 'OK' });
    expect(reader.problems).toEqual([]);
  });

  test('the reused line object forgets the previous line\'s fields', () => {
    const line = new FlowLogLine(DEFAULT_FLOW_LOG_FORMAT);
    expect(line.load(ACCEPTED)).toBe(true);
    expect([line.srcaddr, line.action, line.dstport]).toEqual(['172.31.16.139', 'ACCEPT', '22']);
    expect(line.load(NODATA)).toBe(true);
    expect([line.srcaddr, line.action, line.dstport, line.logStatus]).toEqual([undefined, undefined, undefined, 'NODATA']);
    expect(line.load('2 too few fields')).toBe(false);
    expect(line.logStatus).toBe('NODATA');
  });

  test('a value that only starts like a common one is read whole', () => {
    const r = plain('2 123456789010 eni-1235b8ca123456789 10.0.0.1 10.0.0.2 1 2 61 1 1 1 1 ACCEPTED OKAY')!;
    expect([r.action, r.logStatus, r.protocol]).toEqual(['ACCEPTED', 'OKAY', '61']);
  });

  test('addresses at both ends of the IPv4 space read as their 32 bits, in place and from a plain record', () => {
    const line = new FlowLogLine(['srcaddr', 'dstaddr']);
    for (const [text, u] of [['0.0.0.0', 0], ['127.255.255.255', 0x7fff_ffff], ['128.0.0.0', 0x8000_0000], ['198.51.100.7', 0xc633_6407], ['255.255.255.255', 0xffff_ffff]] as const) {
      expect(line.load(`${text} -`)).toBe(true);
      expect([line.ipv4('srcaddr'), line.ipv4Bits('srcaddr'), ipv4BitsOf(toFlowLogRecord(line), 'srcaddr'), line.ipv4Bits('dstaddr')], text).toEqual([u, u | 0, u | 0, undefined]);
    }
  });

  test('a header is told from data lines that start with letters', () => {
    expect(isHeaderLine(V3_HEADER)).toBe(true);
    expect(isHeaderLine('interface-id srcaddr dstaddr')).toBe(true);
    expect(isHeaderLine('eni-0a1b2c3d4e5f60718 10.0.1.25 198.51.100.77 2222 1234 6 2 ACCEPT')).toBe(false);
    expect(isHeaderLine('vpc-abcdefab012345678 10.0.1.25')).toBe(false);
    expect(isHeaderLine('bogus srcaddr')).toBe(false);
  });

  test('in-place IPv4 and integer reads agree with parseIpv4 and Number, for any text', () => {
    const octet = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom('01', '00', '', 'a', '-1', '1e2'));
    const address = fc.oneof(fc.ipV4(), fc.array(octet, { minLength: 1, maxLength: 5 }).map((xs) => xs.join('.')), fc.string({ maxLength: 16 }));
    fc.assert(
      fc.property(address, fc.oneof(fc.nat(70000).map(String), fc.string({ maxLength: 6 })), (a, port) => {
        fc.pre(!a.includes(' ') && a !== '' && !port.includes(' ') && port !== '');
        const line = new FlowLogLine(['srcaddr', 'dstport']);
        expect(line.load(`${a} ${port}`)).toBe(true);
        expect(line.ipv4('srcaddr')).toBe(a === '-' ? -1 : parseIpv4(a) ?? -1);
        expect(line.integer('dstport')).toBe(/^\d{1,9}$/.test(port) ? Number(port) : -1);
        expect(ipv4Of(toFlowLogRecord(line), 'srcaddr')).toBe(line.ipv4('srcaddr'));
        // The int32 form the rules pass on: the same 32 bits, undefined where the number form says -1.
        const bits = line.ipv4Bits('srcaddr');
        expect(bits === undefined ? -1 : bits >>> 0).toBe(line.ipv4('srcaddr'));
        if (bits !== undefined) expect(bits).toBe(bits | 0);
        expect(ipv4BitsOf(toFlowLogRecord(line), 'srcaddr')).toBe(bits);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('flow-log text read in place (S3 files)', () => {
  const V3_SHORT = '3 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-01234567890123456 eni-1235b8ca123456789 123456789010 IPv4 10.40.1.175';
  const readAll = (text: string, start?: number, end?: number) => {
    const reader = new FlowLogLineReader('s3://b/k', DEFAULT_FLOW_LOG_FORMAT);
    const records: ReturnType<typeof toFlowLogRecord>[] = [];
    const v4: number[] = [];
    reader.readLines(text, (r) => {
      records.push(toFlowLogRecord(r));
      v4.push(ipv4Of(r, 'srcaddr'), integerOf(r, 'dstport'));
    }, start, end);
    return { records, v4, problems: reader.problems, count: reader.records };
  };

  test('every kind of line, as the line-by-line reader reads it: header mid-file, fewer and more fields, -, IPv6, NODATA, SKIPDATA, CRLF, blank lines', () => {
    const lines = [ACCEPTED, NODATA, '', SKIPDATA, `${ACCEPTED} extra`, '2 too few fields', IPV6, `${ACCEPTED}\r`, V3_HEADER, V3_NAT, V3_SHORT, `${V3_NAT} extra`, V3_NAT];
    const inPlace = readAll(lines.join('\n'));
    const byLine = new FlowLogLineReader('s3://b/k', DEFAULT_FLOW_LOG_FORMAT);
    const expected = lines.flatMap((l) => {
      const r = byLine.read(l);
      return r ? [toFlowLogRecord(r)] : [];
    });
    expect(inPlace.records).toEqual(expected);
    expect(inPlace.records.map((r) => [r.version, r.srcaddr, r.logStatus])).toEqual([
      ['2', '172.31.16.139', 'OK'], ['2', undefined, 'NODATA'], ['2', undefined, 'SKIPDATA'], ['2', '2001:db8:1234:a100:8d6e:3477:df66:f105', 'OK'],
      ['2', '172.31.16.139', 'OK'], ['3', '10.40.1.175', 'OK'], ['3', '10.40.1.175', 'OK'],
    ]);
    // In-place numeric reads: IPv4 and port as numbers, - and IPv6 as -1.
    const [a, nat] = [parseIpv4('172.31.16.139'), parseIpv4('10.40.1.175')];
    expect(inPlace.v4).toEqual([a, 22, -1, -1, -1, -1, -1, 22, a, 22, nat, 80, nat, 80]);
    expect(inPlace.problems).toEqual(byLine.problems);
    expect(inPlace.problems).toEqual([
      's3://b/k:5: 15 fields where the format has 14',
      's3://b/k:6: 4 fields where the format has 14',
      's3://b/k:11: 8 fields where the format has 21',
      's3://b/k:12: 22 fields where the format has 21',
    ]);
    expect(inPlace.count).toBe(7);
  });

  test('a range of the text is read and nothing outside it: a short last line does not borrow fields from the next', () => {
    const text = `${ACCEPTED}\n2 123456789010\n${ACCEPTED}`;
    const secondEnd = text.indexOf('\n', ACCEPTED.length + 1);
    const { records, problems } = readAll(text, 0, secondEnd);
    expect(records.map((r) => r.srcaddr)).toEqual(['172.31.16.139']);
    expect(problems).toEqual(['s3://b/k:2: 2 fields where the format has 14']);
    // The last line of a range read whole, up to the range's end.
    expect(readAll(text, secondEnd + 1, text.length).records.map((r) => r.logStatus)).toEqual(['OK']);
    expect(readAll('').count).toBe(0);
  });

  test('any lines read in place give what reading them one by one gives', () => {
    const field = fc.oneof(fc.constantFrom('-', 'ACCEPT', 'REJECT', 'OK', '6', '10.0.0.1', '2001:db8::1', '010.1.1.1', ''), fc.stringMatching(/^[a-z0-9.:-]{1,12}$/));
    const line = fc.oneof(
      fc.array(field, { minLength: 12, maxLength: 16 }).map((fs) => fs.join(' ')),
      fc.constantFrom(ACCEPTED, NODATA, IPV6, `${ACCEPTED}\r`, '', V3_HEADER, V3_NAT),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
        const byLine = new FlowLogLineReader('x', DEFAULT_FLOW_LOG_FORMAT);
        const expected: unknown[] = [];
        for (const l of lines) {
          const r = byLine.read(l);
          if (r) expected.push([toFlowLogRecord(r), ipv4Of(r, 'srcaddr'), ipv4Of(r, 'dstaddr'), integerOf(r, 'srcport'), integerOf(r, 'dstport')]);
        }
        const inPlace = new FlowLogLineReader('x', DEFAULT_FLOW_LOG_FORMAT);
        const got: unknown[] = [];
        inPlace.readLines(lines.join('\n'), (r) => got.push([toFlowLogRecord(r), ipv4Of(r, 'srcaddr'), ipv4Of(r, 'dstaddr'), integerOf(r, 'srcport'), integerOf(r, 'dstport')]));
        expect(got).toEqual(expected);
        expect(inPlace.problems).toEqual(byLine.problems);
      }),
      { numRuns: 500 },
    );
  });
});

describe('our addresses in flow-log rules', () => {
  const d = createDetectors({ settings: loadDetectorSettings({}), blocklists: [] });
  const fired = (line: string) => {
    const reader = new FlowLogLineReader('t', DEFAULT_FLOW_LOG_FORMAT);
    return d.flowlogs.detect(reader.read(line)!).map((x) => x.ruleId);
  };

  test('IPv6 and odd IPv4 spellings are ours by the configured ranges too, not only plain dotted quads', () => {
    const r = plain('2 123456789010 eni-1235b8ca123456789 fd00::25 2001:db8::7 51000 4444 6 3 180 1763633700 1763633760 ACCEPT OK')!;
    expect([isInternalAt(r, 'srcaddr', d.context.network), isInternalAt(r, 'dstaddr', d.context.network)]).toEqual([true, false]);
    expect(fired('2 123456789010 eni-1235b8ca123456789 fd00::25 2001:db8::7 51000 4444 6 3 180 1763633700 1763633760 ACCEPT OK')).toEqual(['flowlog-outbound-port']);
    expect(fired('2 123456789010 eni-1235b8ca123456789 fd00::25 2001:db8::7 51000 22 6 3 180 1763633700 1763633760 REJECT OK')).toEqual(['flowlog-reject-from-instance']);
    // A leading zero is not a strict dotted quad, but the internal ranges have always read it as one.
    expect(fired('2 123456789010 eni-1235b8ca123456789 010.0.0.5 198.51.100.7 51000 22 6 3 180 1763633700 1763633760 REJECT OK')).toEqual(['flowlog-reject-from-instance']);
    expect(fired('2 123456789010 eni-1235b8ca123456789 2001:db8::7 fd00::25 51000 22 6 3 180 1763633700 1763633760 REJECT OK')).toEqual([]);
  });
});
