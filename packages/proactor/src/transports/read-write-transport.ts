// The read side over the write side: the base of the bidirectional
// transports (CPython's _ProactorReadPipeTransport + _ProactorBaseWritePipeTransport).
import { readable } from './read-pipe-transport';
import { ProactorBaseWritePipeTransport } from './write-pipe-transport';
import { ProactorBasePipeTransport } from './base-pipe-transport';

export abstract class ProactorReadWriteTransport extends readable(ProactorBaseWritePipeTransport) {}

// Port of _ProactorReadPipeTransport: a read-only pipe.
export class ProactorReadPipeTransport extends readable(ProactorBasePipeTransport) {}
