import type { Readable, Writable } from 'node:stream';

export interface SocketlessAnswer {
  statusCode: number;
  /** Lower-case names; several values of one header joined with ', '. */
  headers: Record<string, string>;
  body: Buffer;
}

export declare const serveSocketless: (
  listener: (req: Readable, res: Writable) => void,
  wire: { method: string; url: string; headers: Record<string, string>; body: Buffer },
) => Promise<SocketlessAnswer>;
