/**
 * An incremental text/event-stream parser (the parts of the HTML spec carechat uses: `data`, `id`,
 * comments). Feed it decoded text as it arrives; it calls back once per complete event.
 */
export class SseParser {
  #buffer = '';
  #data: string[] = [];
  #id: string | undefined;

  constructor(
    private readonly onEvent: (event: { data: string; id: string | undefined }) => void,
    private readonly onComment: () => void = () => {},
  ) {}

  push(text: string): void {
    this.#buffer += text;
    let newline = this.nextBreak();
    while (newline >= 0) {
      const line = this.#buffer.slice(0, newline);
      const skip = this.#buffer[newline] === '\r' && this.#buffer[newline + 1] === '\n' ? 2 : 1;
      this.#buffer = this.#buffer.slice(newline + skip);
      this.line(line);
      newline = this.nextBreak();
    }
  }

  private nextBreak(): number {
    const lf = this.#buffer.indexOf('\n');
    const cr = this.#buffer.indexOf('\r');
    if (cr >= 0 && (lf < 0 || cr < lf)) {
      // A lone CR at the end may be the first half of CRLF: wait for more.
      return cr === this.#buffer.length - 1 ? -1 : cr;
    }
    return lf;
  }

  private line(line: string): void {
    if (line === '') {
      if (this.#data.length > 0) this.onEvent({ data: this.#data.join('\n'), id: this.#id });
      this.#data = [];
      this.#id = undefined;
      return;
    }
    if (line.startsWith(':')) {
      this.onComment();
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'id') this.#id = value;
  }
}
