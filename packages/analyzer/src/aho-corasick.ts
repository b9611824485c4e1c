/**
 * A compact Aho–Corasick automaton compiled to a dense transition table over a reduced
 * alphabet (only characters that occur in some pattern get a class of their own), matching
 * ASCII case-insensitively. One pass over a text finds every occurrence of every pattern.
 */
export interface Match {
  pattern: number;
  /** Index of the first character of the match. */
  start: number;
  end: number;
}

export class AhoCorasick {
  private readonly classes = new Uint16Array(65536);
  private readonly width: number;
  /**
   * The transitions, each stored as the offset of the next state's row (state × width), so the
   * scan needs no multiplication; negated (`~offset`) when the next state ends a pattern.
   */
  private readonly rows: Int32Array;
  /** First pattern ending at a state, or -1. */
  private readonly output: Int32Array;
  /** Next state along the dictionary-suffix chain that has an output, or -1. */
  private readonly outputLink: Int32Array;
  /** Further patterns ending at the same state (rare: duplicates after case folding). */
  private readonly extra: Map<number, number[]> = new Map();
  private readonly lengths: Int32Array;

  constructor(patterns: readonly string[]) {
    let nextClass = 1;
    const classOf = (code: number): number => {
      const lower = foldCase(code);
      if (this.classes[lower] === 0) {
        this.classes[lower] = nextClass++;
        const upper = lower >= 97 && lower <= 122 ? lower - 32 : lower;
        this.classes[upper] = this.classes[lower]!;
      }
      return this.classes[lower]!;
    };
    // Trie with sparse children first.
    const children: Array<Map<number, number>> = [new Map()];
    const out: number[] = [-1];
    this.lengths = new Int32Array(patterns.length);
    patterns.forEach((pattern, index) => {
      this.lengths[index] = pattern.length;
      let state = 0;
      for (let i = 0; i < pattern.length; i++) {
        const cls = classOf(pattern.charCodeAt(i));
        let next = children[state]!.get(cls);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          out.push(-1);
          children[state]!.set(cls, next);
        }
        state = next;
      }
      if (pattern.length === 0) return;
      if (out[state] === -1) out[state] = index;
      else this.extra.set(state, [...(this.extra.get(state) ?? []), index]);
    });
    this.width = nextClass;
    const states = children.length;
    const delta = new Int32Array(states * this.width);
    this.output = Int32Array.from(out);
    this.outputLink = new Int32Array(states).fill(-1);
    const fail = new Int32Array(states);
    const queue: number[] = [];
    for (let cls = 1; cls < this.width; cls++) {
      const next = children[0]!.get(cls);
      if (next !== undefined) {
        delta[cls] = next;
        queue.push(next);
      }
    }
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head]!;
      const f = fail[state]!;
      this.outputLink[state] = this.output[f]! >= 0 ? f : this.outputLink[f]!;
      for (let cls = 1; cls < this.width; cls++) {
        const next = children[state]!.get(cls);
        if (next !== undefined) {
          fail[next] = delta[f * this.width + cls]!;
          delta[state * this.width + cls] = next;
          queue.push(next);
        } else {
          delta[state * this.width + cls] = delta[f * this.width + cls]!;
        }
      }
    }
    this.rows = delta.map((next) => {
      const offset = next * this.width;
      return this.output[next]! >= 0 || this.outputLink[next]! >= 0 ? ~offset : offset;
    });
  }

  /** Every occurrence of every pattern in `text`. */
  search(text: string, onMatch: (match: Match) => void): void {
    const { classes, rows, width, output, outputLink, lengths } = this;
    let row = 0;
    for (let i = 0; i < text.length; i++) {
      const next = rows[row + classes[text.charCodeAt(i)]!]!;
      if (next >= 0) {
        row = next;
        continue;
      }
      row = ~next;
      const state = row / width;
      let s = output[state]! >= 0 ? state : outputLink[state]!;
      while (s > 0) {
        const pattern = output[s]!;
        onMatch({ pattern, start: i + 1 - lengths[pattern]!, end: i + 1 });
        const more = this.extra.get(s);
        if (more) for (const other of more) onMatch({ pattern: other, start: i + 1 - lengths[other]!, end: i + 1 });
        s = outputLink[s]!;
      }
    }
  }
}

function foldCase(code: number): number {
  return code >= 65 && code <= 90 ? code + 32 : code;
}
