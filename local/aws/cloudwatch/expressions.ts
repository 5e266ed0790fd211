/**
 * The two small languages CloudWatch alarms are written in, evaluated locally: metric math expressions (arithmetic,
 * comparisons, AND/OR, IF, ABS, FILL over the values of other queries) and composite alarm rules (ALARM, OK and
 * INSUFFICIENT_DATA of other alarms, combined with AND, OR, NOT and parentheses).
 */

type Token = { kind: 'num'; value: number } | { kind: 'id'; value: string } | { kind: 'str'; value: string } | { kind: 'op'; value: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const num = /^[\d.]+/.exec(rest);
    if (num) {
      if (!Number.isFinite(Number(num[0]))) throw new Error(`Bad number ${num[0]} in ${text}`);
      tokens.push({ kind: 'num', value: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (id) {
      tokens.push({ kind: 'id', value: id[0] });
      i += id[0].length;
      continue;
    }
    if (rest[0] === '"' || rest[0] === "'") {
      const end = rest.indexOf(rest[0], 1);
      if (end < 0) throw new Error(`Unterminated string in ${text}`);
      tokens.push({ kind: 'str', value: rest.slice(1, end) });
      i += end + 1;
      continue;
    }
    const op = /^(>=|<=|==|!=|[-+*/^(),<>])/.exec(rest);
    if (!op) throw new Error(`Unexpected "${rest[0]}" in ${text}`);
    tokens.push({ kind: 'op', value: op[0] });
    i += op[0].length;
  }
  return tokens;
}

/** A parsed expression: call it with a lookup for names and a lookup for functions. */
type Node = (scope: Scope) => number;
interface Scope {
  readonly name: (id: string) => number;
  readonly call: (fn: string, args: readonly Node[], scope: Scope) => number;
}

const BINARY: Record<string, [number, (a: number, b: number) => number]> = {
  OR: [1, (a, b) => Number(a !== 0 || b !== 0)],
  AND: [2, (a, b) => Number(a !== 0 && b !== 0)],
  '==': [3, (a, b) => Number(a === b)],
  '!=': [3, (a, b) => Number(a !== b)],
  '>': [4, (a, b) => Number(a > b)],
  '<': [4, (a, b) => Number(a < b)],
  '>=': [4, (a, b) => Number(a >= b)],
  '<=': [4, (a, b) => Number(a <= b)],
  '+': [5, (a, b) => a + b],
  '-': [5, (a, b) => a - b],
  '*': [6, (a, b) => a * b],
  '/': [6, (a, b) => a / b],
  '^': [7, (a, b) => a ** b],
};

function parse(text: string): Node {
  const tokens = tokenize(text);
  let at = 0;
  const peek = () => tokens[at];
  const expect = (value: string) => {
    const t = tokens[at++];
    if (!t || t.value !== value) throw new Error(`Expected "${value}" in ${text}`);
  };
  const operatorOf = (t: Token | undefined): string | undefined =>
    t && (t.kind === 'op' || (t.kind === 'id' && (t.value === 'AND' || t.value === 'OR'))) && BINARY[String(t.value)] ? String(t.value) : undefined;

  const primary = (): Node => {
    const t = tokens[at++];
    if (!t) throw new Error(`Unexpected end of ${text}`);
    if (t.kind === 'num') return () => t.value;
    if (t.kind === 'str') return (s) => s.name(t.value);
    if (t.kind === 'op' && t.value === '(') {
      const inner = expression(0);
      expect(')');
      return inner;
    }
    if (t.kind === 'op' && t.value === '-') {
      const operand = primary();
      return (s) => -operand(s);
    }
    if (t.kind === 'id') {
      if (t.value === 'NOT') {
        const operand = primary();
        return (s) => Number(operand(s) === 0);
      }
      if (t.value === 'TRUE') return () => 1;
      if (t.value === 'FALSE') return () => 0;
      if (peek()?.value === '(') {
        at++;
        const args: Node[] = [];
        if (peek()?.value !== ')') {
          for (;;) {
            args.push(expression(0));
            if (peek()?.value !== ',') break;
            at++;
          }
        }
        expect(')');
        return (s) => s.call(t.value, args, s);
      }
      return (s) => s.name(t.value);
    }
    throw new Error(`Unexpected "${String(t.value)}" in ${text}`);
  };

  const expression = (minPrecedence: number): Node => {
    let left = primary();
    for (;;) {
      const op = operatorOf(peek());
      if (!op) return left;
      const [precedence, apply] = BINARY[op] as [number, (a: number, b: number) => number];
      if (precedence < minPrecedence) return left;
      at++;
      const right = expression(precedence + 1);
      const l = left;
      left = (s) => apply(l(s), right(s));
    }
  };

  const root = expression(0);
  if (at !== tokens.length) throw new Error(`Unexpected "${String(tokens[at]?.value)}" in ${text}`);
  return root;
}

/** Thrown for an expression the local runtime does not evaluate (e.g. ANOMALY_DETECTION_BAND). */
export class UnsupportedExpressionError extends Error {}

/**
 * Evaluates a metric math expression for one period: `values` gives each query id's value in that period, undefined
 * when it has no data. An expression over a missing value is missing (undefined), except FILL(id, value).
 */
export function evaluateMetricMath(expression: string, values: (id: string) => number | undefined): number | undefined {
  const missing = Symbol('missing');
  const scope: Scope = {
    name: (id) => {
      const v = values(id);
      if (v === undefined) throw missing;
      return v;
    },
    call: (fn, args, s) => {
      const arg = (i: number) => (args[i] as Node)(s);
      switch (fn) {
        case 'IF':
          return arg(0) !== 0 ? arg(1) : args.length > 2 ? arg(2) : Number.NaN;
        case 'ABS':
          return Math.abs(arg(0));
        case 'FILL':
          try {
            return arg(0);
          } catch (error) {
            if (error === missing) return arg(1);
            throw error;
          }
        default:
          throw new UnsupportedExpressionError(`${fn} is not evaluated locally`);
      }
    },
  };
  try {
    const result = parse(expression)(scope);
    return Number.isNaN(result) ? undefined : result;
  } catch (error) {
    if (error === missing) return undefined;
    throw error;
  }
}

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** Evaluates a composite alarm's AlarmRule; `stateOf` gives the state of the alarm a rule names (by name or ARN). */
export function evaluateAlarmRule(rule: string, stateOf: (nameOrArn: string) => AlarmStateValue | undefined): boolean {
  const scope: Scope = {
    name: (id) => {
      throw new Error(`Unexpected ${id} in alarm rule ${rule}`);
    },
    call: (fn, args) => {
      if (fn !== 'ALARM' && fn !== 'OK' && fn !== 'INSUFFICIENT_DATA') throw new Error(`Unknown function ${fn} in alarm rule ${rule}`);
      const named = argumentName(args[0]);
      return Number(stateOf(named) === fn);
    },
  };
  // The alarm a state function names is a literal, not a value: read it before evaluating.
  const argumentName = (node: Node | undefined): string => {
    if (!node) throw new Error(`A state function without an alarm in ${rule}`);
    let captured = '';
    node({
      name: (id) => ((captured = id), 0),
      call: () => 0,
    });
    return captured;
  };
  return parse(rule)(scope) !== 0;
}
