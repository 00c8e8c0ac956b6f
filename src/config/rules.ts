/**
 * Segment rules: a small, checked expression language an analyst writes in retain.yml,
 * e.g. `r_score >= 4 and (f_score >= 4 or lifetime_orders > 10)`.
 *
 * The parser produces a tree (RuleNode) that is passed to dbt as data; macros/segments renders it
 * to SQL after checking it again. Nothing the user writes is ever pasted into SQL as text.
 */
export type ColumnType = 'number' | 'string' | 'boolean';
export type Scalar = number | string | boolean;
export type ComparisonOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type RuleNode =
  | { all: RuleNode[] }
  | { any: RuleNode[] }
  | { not: RuleNode }
  | { always: true }
  | { column: string; op: ComparisonOp; value: Scalar }
  | { column: string; op: 'between'; value: [Scalar, Scalar] }
  | { column: string; op: 'in' | 'not_in'; value: Scalar[] }
  | { column: string; op: 'is_null' | 'is_not_null' };

export class RuleSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'RuleSyntaxError';
  }
}

type Token =
  | { kind: 'ident'; text: string; pos: number }
  | { kind: 'number'; value: number; text: string; pos: number }
  | { kind: 'string'; value: string; text: string; pos: number }
  | { kind: 'op'; text: string; pos: number }
  | { kind: 'punct'; text: '(' | ')' | ','; pos: number }
  | { kind: 'end'; text: ''; pos: number };

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'between', 'is', 'null', 'true', 'false']);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: 'punct', text: ch, pos: i });
      i++;
      continue;
    }
    const two = source.slice(i, i + 2);
    if (['>=', '<=', '!=', '<>', '=='].includes(two)) {
      tokens.push({ kind: 'op', text: two === '<>' ? '!=' : two === '==' ? '=' : two, pos: i });
      i += 2;
      continue;
    }
    if (ch === '=' || ch === '<' || ch === '>') {
      tokens.push({ kind: 'op', text: ch, pos: i });
      i++;
      continue;
    }
    if (ch === "'" || ch === '"') {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= source.length) throw new RuleSyntaxError('unterminated string', start, `close it with ${ch}`);
        const c = source[i]!;
        if (c === ch) {
          // a doubled quote inside a string stands for one quote
          if (source[i + 1] === ch) {
            value += ch;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += c;
        i++;
      }
      tokens.push({ kind: 'string', value, text: source.slice(start, i), pos: start });
      continue;
    }
    const num = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?/.exec(source.slice(i));
    if (num && (ch !== '-' || !lastIsValue(tokens))) {
      tokens.push({ kind: 'number', value: Number(num[0]), text: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i));
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0], pos: i });
      i += ident[0].length;
      continue;
    }
    throw new RuleSyntaxError(`unexpected character ${JSON.stringify(ch)}`, i);
  }
  tokens.push({ kind: 'end', text: '', pos: source.length });
  return tokens;
}

function lastIsValue(tokens: Token[]): boolean {
  const last = tokens[tokens.length - 1];
  return !!last && (last.kind === 'number' || last.kind === 'string' || (last.kind === 'ident' && !KEYWORDS.has(last.text.toLowerCase())) || (last.kind === 'punct' && last.text === ')'));
}

function closest(name: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = levenshtein(name, candidate);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** Parses and checks a rule against the known columns and their types. */
export function parseRule(source: string, columns: Record<string, ColumnType>): RuleNode {
  const tokens = tokenize(source);
  let index = 0;
  const peek = () => tokens[index]!;
  const next = () => tokens[index++]!;
  const isWord = (token: Token, word: string) => token.kind === 'ident' && token.text.toLowerCase() === word;
  const expectWord = (word: string) => {
    const token = next();
    if (!isWord(token, word)) throw new RuleSyntaxError(`expected "${word}" but found ${describe(token)}`, token.pos);
  };
  const expectPunct = (text: string) => {
    const token = next();
    if (token.kind !== 'punct' || token.text !== text) {
      throw new RuleSyntaxError(`expected "${text}" but found ${describe(token)}`, token.pos);
    }
  };

  function parseOr(): RuleNode {
    const parts = [parseAnd()];
    while (isWord(peek(), 'or')) {
      next();
      parts.push(parseAnd());
    }
    return parts.length === 1 ? parts[0]! : { any: parts };
  }
  function parseAnd(): RuleNode {
    const parts = [parseNot()];
    while (isWord(peek(), 'and')) {
      next();
      parts.push(parseNot());
    }
    return parts.length === 1 ? parts[0]! : { all: parts };
  }
  function parseNot(): RuleNode {
    if (isWord(peek(), 'not')) {
      next();
      return { not: parseNot() };
    }
    return parsePrimary();
  }
  function parsePrimary(): RuleNode {
    const token = peek();
    if (token.kind === 'punct' && token.text === '(') {
      next();
      const inner = parseOr();
      expectPunct(')');
      return inner;
    }
    if (isWord(token, 'true') || isWord(token, 'always')) {
      next();
      return { always: true };
    }
    if (token.kind !== 'ident' || KEYWORDS.has(token.text.toLowerCase())) {
      throw new RuleSyntaxError(`expected a column name but found ${describe(token)}`, token.pos);
    }
    next();
    const column = token.text;
    const type = columns[column];
    if (!type) {
      const suggestion = closest(column, Object.keys(columns));
      throw new RuleSyntaxError(
        `unknown column "${column}"`,
        token.pos,
        (suggestion ? `did you mean "${suggestion}"? ` : '') + `known columns: ${Object.keys(columns).join(', ')}`,
      );
    }
    const opToken = next();
    if (opToken.kind === 'op') {
      const value = parseValue(column, type);
      return { column, op: opToken.text as ComparisonOp, value };
    }
    if (isWord(opToken, 'between')) {
      if (type === 'boolean') throw new RuleSyntaxError(`"between" does not apply to boolean column "${column}"`, opToken.pos);
      const low = parseValue(column, type);
      expectWord('and');
      const high = parseValue(column, type);
      return { column, op: 'between', value: [low, high] };
    }
    if (isWord(opToken, 'is')) {
      let negated = false;
      if (isWord(peek(), 'not')) {
        next();
        negated = true;
      }
      expectWord('null');
      return { column, op: negated ? 'is_not_null' : 'is_null' };
    }
    let negated = false;
    let inToken: Token = opToken;
    if (isWord(opToken, 'not')) {
      negated = true;
      inToken = next();
    }
    if (isWord(inToken, 'in')) {
      expectPunct('(');
      const values = [parseValue(column, type)];
      while (peek().kind === 'punct' && peek().text === ',') {
        next();
        values.push(parseValue(column, type));
      }
      expectPunct(')');
      return { column, op: negated ? 'not_in' : 'in', value: values };
    }
    throw new RuleSyntaxError(
      `expected an operator after "${column}" but found ${describe(opToken)}`,
      opToken.pos,
      'operators: = != < <= > >= between .. and .., in (..), not in (..), is null, is not null',
    );
  }
  function parseValue(column: string, type: ColumnType): Scalar {
    const token = next();
    let value: Scalar;
    if (token.kind === 'number') value = token.value;
    else if (token.kind === 'string') value = token.value;
    else if (isWord(token, 'true')) value = true;
    else if (isWord(token, 'false')) value = false;
    else throw new RuleSyntaxError(`expected a value but found ${describe(token)}`, token.pos);
    const actual: ColumnType = typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : 'string';
    if (actual !== type) {
      throw new RuleSyntaxError(
        `column "${column}" is a ${type} but ${token.kind === 'ident' ? token.text : token.text} is a ${actual}`,
        token.pos,
        type === 'string' ? "quote text values: rfm_cell = 'R5F5M5'" : undefined,
      );
    }
    if (typeof value === 'string' && (value.includes('\\') || value.includes('\u0000'))) {
      throw new RuleSyntaxError('text values may not contain backslashes or NUL characters', token.pos);
    }
    return value;
  }

  const tree = parseOr();
  const rest = peek();
  if (rest.kind !== 'end') throw new RuleSyntaxError(`unexpected ${describe(rest)}`, rest.pos, 'join conditions with "and" or "or"');
  return tree;
}

function describe(token: Token): string {
  return token.kind === 'end' ? 'the end of the rule' : `"${token.text}"`;
}

/** Renders a tree back to the readable syntax (used by `retain init` to show the defaults). */
export function formatRule(node: RuleNode, nested = false): string {
  if ('always' in node) return 'true';
  if ('all' in node || 'any' in node) {
    const parts = 'all' in node ? node.all : node.any;
    const joined = parts.map((part) => formatRule(part, true)).join('all' in node ? ' and ' : ' or ');
    return nested && parts.length > 1 ? `(${joined})` : joined;
  }
  if ('not' in node) return `not ${formatRule(node.not, true)}`;
  const value = (v: Scalar) => (typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v));
  switch (node.op) {
    case 'between':
      return `${node.column} between ${value(node.value[0])} and ${value(node.value[1])}`;
    case 'in':
    case 'not_in':
      return `${node.column} ${node.op === 'in' ? 'in' : 'not in'} (${node.value.map(value).join(', ')})`;
    case 'is_null':
      return `${node.column} is null`;
    case 'is_not_null':
      return `${node.column} is not null`;
    default:
      return `${node.column} ${node.op} ${value(node.value)}`;
  }
}
