import type { WireRequest, WireResponse } from './inprocess-transport.ts';
import type { StorageUsage } from './servers.ts';

export interface StorageServers {
  dynamoPort: number;
  s3Port: number;
  /** One request to dynalite's own request listener, without a socket. */
  dynamodb(request: WireRequest): Promise<WireResponse>;
  /** One request to s3rver's own Koa app, without a socket. */
  s3(request: WireRequest): Promise<WireResponse>;
  /** Fault injection: dynalite drops every connection until resumed, keeping its data. */
  pause(): void;
  resume(): void;
  usage(): StorageUsage;
  stop(): Promise<void>;
}

/** One request given to dynalite's request listener without a socket, its id drawn in the pool's scope. */
export declare const serveDynalite: (
  listener: (request: unknown, response: unknown) => void,
  requestIds: { whileServing: <T>(serve: () => T) => T },
  request: WireRequest,
) => Promise<WireResponse>;

export declare const startStorageServers: (options: { dynamoPath?: string; s3Directory?: string; bucketName: string }) => Promise<StorageServers>;
