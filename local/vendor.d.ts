// Minimal typings for dynalite, which ships none (s3rver is loaded only by local/storage-servers.mjs, plain JavaScript).
declare module 'dynalite' {
  import type { Server } from 'node:http';
  export default function dynalite(options?: { createTableMs?: number; path?: string }): Server;
}
