export declare const runTogether: (options: {
  typecheck: { command: string; args: string[] };
  suite: { command: string; args: string[] };
  cwd?: string;
  write?: (text: string) => void;
}) => Promise<number>;
