/**
 * A server-sent events parser for a fetch body stream, after the WHATWG "event stream
 * interpretation": lines end in CRLF, LF or CR (a CRLF may be split across chunks), a
 * line starting with ':' is a comment, `data` lines join with '\n', an empty line
 * dispatches, an event with no data is not dispatched, and an unfinished event at the
 * end of the stream is discarded. UTF-8 split across chunks is decoded correctly.
 */

export interface SseEvent {
  /** `event:` field, or 'message' when absent. */
  type: string;
  data: string;
  /** The last event id seen on the stream (the `id:` of this event or an earlier one). */
  id: string;
}

/** A line longer than this is a broken or hostile stream, not an event. */
const MAX_LINE_CHARS = 1 << 20;

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';
  private started = false;
  /** The previous chunk ended in CR: a LF opening the next one belongs to the same line end. */
  private skipLeadingLf = false;
  private data: string[] = [];
  private type = '';
  private lastId = '';
  /** The server's `retry:` advice in ms, if it gave any. */
  retryMs: number | undefined;

  get lastEventId(): string {
    return this.lastId;
  }

  /** Feeds one chunk; returns the events it completed, in order. */
  push(chunk: Uint8Array | string): SseEvent[] {
    let text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    if (text.length === 0) return [];
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.skipLeadingLf) {
      this.skipLeadingLf = false;
      if (text.charCodeAt(0) === 10) text = text.slice(1);
    }
    // Only the new text can hold a line end: the old buffer was scanned already.
    const scanFrom = this.buffer.length;
    const buffer = this.buffer + text;
    const events: SseEvent[] = [];
    let lineStart = 0;
    for (let i = scanFrom; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line(buffer.slice(lineStart, i), events);
      if (c === 13) {
        if (i + 1 < buffer.length) {
          if (buffer.charCodeAt(i + 1) === 10) i++;
        } else {
          this.skipLeadingLf = true;
        }
      }
      lineStart = i + 1;
    }
    this.buffer = buffer.slice(lineStart);
    if (this.buffer.length > MAX_LINE_CHARS) throw new Error(`event stream line longer than ${MAX_LINE_CHARS} characters`);
    return events;
  }

  private line(line: string, events: SseEvent[]): void {
    if (line.length === 0) {
      this.dispatch(events);
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' */) return; // comment (heartbeat)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* ' ' */) value = value.slice(1);
    switch (field) {
      case 'event':
        this.type = value;
        break;
      case 'data':
        this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  private dispatch(events: SseEvent[]): void {
    if (this.data.length > 0) {
      events.push({ type: this.type || 'message', data: this.data.join('\n'), id: this.lastId });
    }
    this.data = [];
    this.type = '';
  }
}
