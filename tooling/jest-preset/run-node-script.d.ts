/** What a child Node process printed and how it ended (stdout with \n line ends). */
export interface ScriptResult {
  out: string;
  err: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs `node -e script` until it exits by itself (killed after timeoutMs, default 60 s). */
export function runNodeScript(script: string, opts?: { timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<ScriptResult>;
