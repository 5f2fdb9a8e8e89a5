// A tiny YAML subset reader for the release tests (block maps and lists, plain, quoted and tagged scalars;
// no flow collections, anchors or multi-line strings): enough for the README front matter and the task
// YAMLs we write, and independent of the code that writes them.
type Y = string | number | boolean | null | Y[] | { [k: string]: Y };

interface Line { indent: number; text: string }

function scalar(s: string): Y {
  const t = s.trim();
  if (t === '') return null;
  if (t.startsWith('"')) return JSON.parse(t) as string;
  if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
  if (t === 'true' || t === 'false') return t === 'true';
  if (t === 'null' || t === '~') return null;
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  return t; // plain, or a tag such as "!function utils.x" kept as written
}

function parseBlock(lines: Line[], i: number, indent: number): [Y, number] {
  if (i >= lines.length) return [null, i];
  if (lines[i].text.startsWith('- ') || lines[i].text === '-') {
    const list: Y[] = [];
    while (i < lines.length && lines[i].indent === indent && (lines[i].text.startsWith('- ') || lines[i].text === '-')) {
      const rest = lines[i].text.slice(2);
      if (/^[\w.-]+:(\s|$)/.test(rest)) {
        // a map item: its first key on the dash line, the others indented under it
        const inner: Line[] = [{ indent: indent + 2, text: rest }];
        let j = i + 1;
        while (j < lines.length && lines[j].indent > indent) inner.push(lines[j++]);
        list.push(parseBlock(inner, 0, indent + 2)[0]);
        i = j;
      } else { list.push(scalar(rest)); i++; }
    }
    return [list, i];
  }
  const map: Record<string, Y> = {};
  while (i < lines.length && lines[i].indent === indent) {
    const m = /^([\w.-]+):(?:\s+(.*))?$/.exec(lines[i].text);
    if (!m) throw new Error(`yaml: cannot read line "${lines[i].text}"`);
    i++;
    if (m[2] !== undefined && m[2] !== '') { map[m[1]] = scalar(m[2]); continue; }
    if (i < lines.length && lines[i].indent >= indent && (lines[i].indent > indent || lines[i].text.startsWith('- '))) {
      const [v, j] = parseBlock(lines, i, lines[i].indent);
      map[m[1]] = v; i = j;
    } else map[m[1]] = null;
  }
  return [map, i];
}

export function parseYaml(text: string): any {
  const lines = text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#')).map((l) => ({ indent: l.length - l.trimStart().length, text: l.trim() }));
  return parseBlock(lines, 0, lines[0]?.indent ?? 0)[0];
}

/** The YAML front matter of a Markdown file and the body after it. */
export function frontMatter(md: string): { data: any; body: string } {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(md);
  if (!m) throw new Error('no front matter');
  return { data: parseYaml(m[1]), body: md.slice(m[0].length) };
}
