/** The class name of what fn() throws, or 'nothing' when it returns. */
export function thrownBy(fn: () => unknown): string;
