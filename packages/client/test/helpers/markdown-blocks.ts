import { readFileSync } from 'node:fs';

export interface CodeBlock {
  /** The info string's first word: sh, ts, tsx, html, json… */
  lang: string;
  /** The rest of the info string: `browser` marks a block that runs in a web page. */
  tags: string[];
  code: string;
  /** Where it starts, for a failure message. */
  where: string;
}

/** The fenced code blocks of a Markdown file, in order. */
export function codeBlocks(path: string): CodeBlock[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S+)(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    blocks.push({
      lang: open[1]!,
      tags: open[2]!.trim().split(/\s+/).filter(Boolean),
      code: `${body.join('\n')}\n`,
      where: `${path}:${start + 1}`,
    });
  }
  return blocks;
}
