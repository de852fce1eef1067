/** A small RFC 4180 CSV reader, fast while the code is still cold (it runs once, at start). */

const QUOTE = 0x22; // "
const COMMA = 0x2c; // ,

/** Index of `char` in `text` from `from`, or the text length when absent. */
function indexOrEnd(text: string, char: string, from: number): number {
  const index = text.indexOf(char, from);
  return index === -1 ? text.length : index;
}

/**
 * Reads RFC 4180 CSV: quoted fields may hold commas, newlines and doubled quotes. Delimiters are
 * found with indexOf rather than a per-char loop, which matters while the code is still cold.
 */
export function forEachCsvRecord(text: string, onRecord: (fields: string[]) => void): void {
  let pos = 0;
  let lineEnd = -1;
  while (pos < text.length) {
    const fields: string[] = [];
    for (;;) {
      if (lineEnd < pos) lineEnd = indexOrEnd(text, '\n', pos); // new line, or a quoted field ran past it
      if (text.charCodeAt(pos) === QUOTE) {
        let close = pos + 1;
        for (;;) {
          close = text.indexOf('"', close);
          if (close === -1) throw new Error('unterminated quoted field');
          if (text.charCodeAt(close + 1) !== QUOTE) break;
          close += 2;
        }
        fields.push(text.slice(pos + 1, close).replaceAll('""', '"'));
        pos = close + 1;
      } else {
        const end = Math.min(indexOrEnd(text, ',', pos), lineEnd);
        fields.push(text.slice(pos, end));
        pos = end;
      }
      if (text.charCodeAt(pos++) !== COMMA) break; // newline or end of text
    }
    onRecord(fields);
  }
}

/** Upper bound on the records in a CSV text: its line count. */
export function countLines(text: string): number {
  let lines = text.length > 0 && !text.endsWith('\n') ? 1 : 0;
  for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', nl + 1)) lines++;
  return lines;
}
