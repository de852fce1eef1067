/**
 * JSON parsing whose errors never quote the input. V8's SyntaxError quotes the text
 * around the fault ("Unexpected token 'x', "…eyJhbGciOi"… is not valid JSON"), and the
 * text is often a token; such a message in a 400 or a log line leaks it. Every parse of
 * outside input goes through here and fails with "not valid JSON at byte N" instead.
 */

export class InvalidJsonError extends Error {
  constructor(readonly byte: number) {
    super(`not valid JSON at byte ${byte}`);
    this.name = 'InvalidJsonError';
  }
}

/** Parses JSON; on failure throws InvalidJsonError with the byte offset of the fault (never the text). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidJsonError(jsonErrorByte(text));
  }
}

/** Keys that would reach an object's prototype when a parsed body is merged (fastify's default refuses them too). */
export function hasPoisonKey(value: unknown, text: string): boolean {
  if (!text.includes('__proto__') && !text.includes('constructor')) return false;
  const walk = (v: unknown): boolean => {
    if (typeof v !== 'object' || v === null) return false;
    if (Array.isArray(v)) return v.some(walk);
    if (Object.prototype.hasOwnProperty.call(v, '__proto__')) return true;
    const c = (v as Record<string, unknown>).constructor;
    if (Object.prototype.hasOwnProperty.call(v, 'constructor') && typeof c === 'object' && c !== null && 'prototype' in c) return true;
    return Object.values(v).some(walk);
  };
  return walk(value);
}

/** The UTF-8 byte offset where `text` stops being JSON (its length when it ends too early). */
export function jsonErrorByte(text: string): number {
  const at = jsonErrorIndex(text);
  return Buffer.byteLength(text.slice(0, at), 'utf8');
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** The index of the first character JSON does not allow there; -1 for valid JSON. Iterative: no depth limit. */
export function jsonErrorIndex(text: string): number {
  const n = text.length;
  let i = 0;
  const stack: ('[' | '{')[] = [];
  const ws = () => {
    while (i < n && WS.has(text.charCodeAt(i))) i++;
  };
  /** A string at i; false leaves i at the fault. */
  const string = (): boolean => {
    if (text[i] !== '"') return false;
    i++;
    while (i < n) {
      const c = text[i]!;
      if (c === '"') {
        i++;
        return true;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          for (let k = 2; k < 6; k++) {
            if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) {
              i += k;
              return false;
            }
          }
          i += 6;
        } else if (e !== undefined && ESCAPES.has(e)) i += 2;
        else {
          i += 1;
          return false;
        }
      } else if (c.charCodeAt(0) < 0x20) return false;
      else i++;
    }
    return false;
  };
  const number = (): boolean => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (isDigit(text[i]) && text[i] !== '0') while (isDigit(text[i])) i++;
    else return false;
    if (text[i] === '.') {
      i++;
      if (!isDigit(text[i])) return false;
      while (isDigit(text[i])) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!isDigit(text[i])) return false;
      while (isDigit(text[i])) i++;
    }
    return true;
  };
  const literal = (word: string): boolean => {
    for (let k = 0; k < word.length; k++, i++) if (text[i] !== word[k]) return false;
    return true;
  };

  let state: 'value' | 'key' | 'after' = 'value';
  for (;;) {
    ws();
    if (state === 'value') {
      const c = text[i];
      if (c === '{' || c === '[') {
        i++;
        ws();
        if (text[i] === (c === '{' ? '}' : ']')) {
          i++;
          state = 'after';
        } else {
          stack.push(c);
          state = c === '{' ? 'key' : 'value';
        }
        continue;
      }
      let ok: boolean;
      if (c === '"') ok = string();
      else if (c === '-' || isDigit(c)) ok = number();
      else if (c === 't') ok = literal('true');
      else if (c === 'f') ok = literal('false');
      else if (c === 'n') ok = literal('null');
      else ok = false;
      if (!ok) return Math.min(i, n);
      state = 'after';
    } else if (state === 'key') {
      if (!string()) return Math.min(i, n);
      ws();
      if (text[i] !== ':') return i;
      i++;
      state = 'value';
    } else {
      const top = stack.at(-1);
      if (top === undefined) return i === n ? -1 : i;
      const c = text[i];
      if (c === ',') {
        i++;
        state = top === '[' ? 'value' : 'key';
      } else if ((top === '[' && c === ']') || (top === '{' && c === '}')) {
        i++;
        stack.pop();
      } else return Math.min(i, n);
    }
  }
}
