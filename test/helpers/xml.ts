// A small strict XML well-formedness checker for the SVG outputs (no XML parser is installed):
// tags nest and close in order, attributes are quoted and unique, '&' only in entities, no '<'
// in text, exactly one root element. Returns the root element's name; throws on a problem.
const NAME = /^[A-Za-z_:][\w:.-]*/;
const ENTITY = /^&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/;

function checkEntities(s: string, where: string): void {
  for (let i = s.indexOf('&'); i !== -1; i = s.indexOf('&', i + 1)) {
    if (!ENTITY.test(s.slice(i))) throw new Error(`raw '&' in ${where}: ${JSON.stringify(s.slice(i, i + 12))}`);
  }
}

export function checkXml(xml: string): string {
  const stack: string[] = [];
  let root: string | undefined;
  let i = 0;
  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>');
    if (end === -1) throw new Error('unterminated XML declaration');
    i = end + 2;
  }
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const content = xml.slice(i, lt === -1 ? xml.length : lt);
    if (content.includes('>')) throw new Error(`stray '>' in text: ${JSON.stringify(content.slice(0, 40))}`);
    checkEntities(content, 'text');
    if (stack.length === 0 && content.trim() !== '') throw new Error(`text outside root: ${JSON.stringify(content.slice(0, 40))}`);
    if (lt === -1) break;
    i = lt;

    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i + 4);
      if (end === -1) throw new Error('unterminated comment');
      i = end + 3;
      continue;
    }
    if (xml.startsWith('</', i)) {
      const m = /^<\/([A-Za-z_:][\w:.-]*)\s*>/.exec(xml.slice(i));
      if (!m) throw new Error(`malformed closing tag at ${i}`);
      const open = stack.pop();
      if (open !== m[1]) throw new Error(`</${m[1]}> closes <${open ?? 'nothing'}>`);
      i += m[0].length;
      continue;
    }

    const name = NAME.exec(xml.slice(i + 1))?.[0];
    if (!name) throw new Error(`'<' not starting a tag at ${i}: ${JSON.stringify(xml.slice(i, i + 12))}`);
    if (stack.length === 0) {
      if (root !== undefined) throw new Error(`second root element <${name}>`);
      root = name;
    }
    i += 1 + name.length;
    const seen = new Set<string>();
    for (;;) {
      const ws = /^\s*/.exec(xml.slice(i))?.[0].length ?? 0;
      i += ws;
      if (xml.startsWith('/>', i)) {
        i += 2;
        break;
      }
      if (xml[i] === '>') {
        stack.push(name);
        i += 1;
        break;
      }
      if (ws === 0) throw new Error(`expected whitespace, '>' or '/>' in <${name}> at ${i}`);
      const attr = NAME.exec(xml.slice(i))?.[0];
      if (!attr) throw new Error(`bad attribute in <${name}> at ${i}`);
      if (seen.has(attr)) throw new Error(`duplicate attribute ${attr} in <${name}>`);
      seen.add(attr);
      i += attr.length;
      const eq = /^\s*=\s*/.exec(xml.slice(i))?.[0];
      if (!eq) throw new Error(`attribute ${attr} without value in <${name}>`);
      i += eq.length;
      const quote = xml[i];
      if (quote !== '"' && quote !== "'") throw new Error(`unquoted attribute ${attr} in <${name}>`);
      const end = xml.indexOf(quote, i + 1);
      if (end === -1) throw new Error(`unterminated attribute ${attr} in <${name}>`);
      const value = xml.slice(i + 1, end);
      if (value.includes('<')) throw new Error(`'<' in attribute ${attr}`);
      checkEntities(value, `attribute ${attr}`);
      i = end + 1;
    }
  }
  if (stack.length) throw new Error(`unclosed <${stack.join('>, <')}>`);
  if (root === undefined) throw new Error('no root element');
  return root;
}

