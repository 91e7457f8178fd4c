// Port of base_subprocess.py WriteSubprocessPipeProto and
// ReadSubprocessPipeProto: the protocols of the pipe transports of a
// subprocess transport; they pass what happens on each pipe to it.
import type { BaseTransport, Protocol } from '@iocp/proactor';

/** What the pipe protocols tell their subprocess transport. */
export interface PipeOwner {
  _pipeConnectionLost(fd: number, exc: Error | null): void;
  _pipeDataReceived(fd: number, data: Buffer): void;
  _pauseWriting(): void;
  _resumeWriting(): void;
}

export class WriteSubprocessPipeProto implements Protocol {
  /** The pipe's transport, once connectionMade ran. */
  pipe: BaseTransport | null = null;
  disconnected = false;

  constructor(
    /** @internal */ public _proc: PipeOwner | null,
    readonly fd: number,
  ) {}

  connectionMade(transport: BaseTransport): void {
    this.pipe = transport;
  }

  toString(): string {
    return `<${this.constructor.name} fd=${this.fd} pipe=${describePipe(this.pipe)}>`;
  }

  connectionLost(exc: Error | null): void {
    this.disconnected = true;
    const proc = this._proc;
    this._proc = null;
    proc?._pipeConnectionLost(this.fd, exc);
  }

  pauseWriting(): void {
    this._proc?._pauseWriting();
  }

  resumeWriting(): void {
    this._proc?._resumeWriting();
  }
}

export class ReadSubprocessPipeProto extends WriteSubprocessPipeProto {
  dataReceived(data: Buffer): void {
    this._proc?._pipeDataReceived(this.fd, data);
  }
}

/** A pipe transport's toString() (the proactor transports have one), for reprs. */
export function describePipe(pipe: BaseTransport | null): string {
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the proactor transports define toString()
  return pipe === null ? 'null' : String(pipe);
}
