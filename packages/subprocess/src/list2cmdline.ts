// Port of subprocess.py list2cmdline: joins arguments into one Windows
// command line that CommandLineToArgvW (and the MS C runtime) split back
// into the same arguments:
// 1. Arguments are separated by a space.
// 2. An argument holding a space or a tab, or an empty one, is put in
//    double quotes.
// 3. A double quote inside an argument is preceded by a backslash.
// 4. Backslashes are literal unless they come right before a double quote:
//    then each is doubled (and one more escapes the quote itself).
// 5. Backslashes at the end of a quoted argument are doubled, so that they
//    do not escape the closing quote.
// Pure string work: it runs (and is tested) on every OS.

export function list2cmdline(args: readonly string[]): string {
  if (!Array.isArray(args)) throw new TypeError('args must be an array of strings');
  const result: string[] = [];
  for (const arg of args) {
    if (typeof arg !== 'string') throw new TypeError('args must be an array of strings');
    if (result.length > 0) result.push(' ');
    const needQuote = arg.includes(' ') || arg.includes('\t') || arg.length === 0;
    if (needQuote) result.push('"');
    // Backslashes seen since the last other character: whether they are
    // doubled depends on what follows them.
    let backslashes = 0;
    for (const c of arg) {
      if (c === '\\') {
        backslashes += 1;
      } else if (c === '"') {
        result.push('\\'.repeat(backslashes * 2), '\\"');
        backslashes = 0;
      } else {
        if (backslashes > 0) result.push('\\'.repeat(backslashes));
        backslashes = 0;
        result.push(c);
      }
    }
    if (backslashes > 0) result.push('\\'.repeat(needQuote ? backslashes * 2 : backslashes));
    if (needQuote) result.push('"');
  }
  return result.join('');
}
