/** The `alertwarden` command run as a user runs it: a child process, its exit code and both streams. */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const BIN = resolve('local/bin.mjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export const runCli = (args: string[], stdin: Buffer | string = '', options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  new Promise<CliResult>((done, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.cwd ? { cwd: options.cwd } : {}),
      env: { ...process.env, ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
