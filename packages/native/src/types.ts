// The shape of the compiled addon (src/addon.cc). Low level, for the other
// @iocp packages; see this package's README for the contract.

/** The completion backends. */
export type BackendName = 'iocp' | 'io_uring' | 'epoll';

/**
 * One backend instance (one per IocpProactor). Submitting methods return the
 * operation's id (>= 0), or a negated system error (-errno on Linux,
 * -GetLastError() on Windows) when the OS refused the operation at once, in
 * which case no completion follows.
 */
export interface NativeCore {
  /** The backend this core runs on. */
  readonly backend: BackendName;
  /** How many operations are pending (submitted, completion not yet delivered). */
  readonly pending: number;
  /** True once close() was called. */
  readonly closed: boolean;
  /**
   * Completion records, COMPLETION_WORDS int32s each: [id, result, aux, 0].
   * Valid for the `count` records passed to onCompletions, during that call.
   */
  readonly completions: Int32Array;
  /** A no-op that completes with result 0 through the backend's own path. */
  nop(): number;
  /** Requests cancellation; true if the id was pending. The op still completes once. */
  cancel(id: number): boolean;
  /**
   * Refuses new operations and cancels pending ones. Returns true when the
   * backend was released now; otherwise it is released right after the batch
   * that delivers the last pending completion.
   */
  close(): boolean;
}

export interface NativeCoreConstructor {
  new (onCompletions: (count: number) => void, backend?: BackendName): NativeCore;
}

export interface NativeAddon {
  readonly backend: BackendName;
  readonly version: string;
  availableBackends(): BackendName[];
  Core: NativeCoreConstructor;
}
