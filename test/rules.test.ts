import { describe, expect, it } from 'vitest';
import { formatRule, parseRule, RuleSyntaxError } from '../src/config/rules.js';

const columns = { r_score: 'number', f_score: 'number', rfm_cell: 'string', is_one_time_buyer: 'boolean', recency_days: 'number' } as const;

describe('parseRule', () => {
  it('builds and/or trees with the usual precedence', () => {
    expect(parseRule('r_score >= 4 and f_score >= 4 or recency_days < 30', columns)).toEqual({
      any: [
        { all: [{ column: 'r_score', op: '>=', value: 4 }, { column: 'f_score', op: '>=', value: 4 }] },
        { column: 'recency_days', op: '<', value: 30 },
      ],
    });
  });

  it('honours parentheses, not, between, in, not in and null checks', () => {
    expect(parseRule("not (r_score between 2 and 3) and rfm_cell not in ('R1F1M1', 'R1F1M2') and f_score is not null", columns)).toEqual({
      all: [
        { not: { column: 'r_score', op: 'between', value: [2, 3] } },
        { column: 'rfm_cell', op: 'not_in', value: ['R1F1M1', 'R1F1M2'] },
        { column: 'f_score', op: 'is_not_null' },
      ],
    });
    expect(parseRule('is_one_time_buyer = true', columns)).toEqual({ column: 'is_one_time_buyer', op: '=', value: true });
    expect(parseRule('r_score <> 1', columns)).toEqual({ column: 'r_score', op: '!=', value: 1 });
    expect(parseRule('r_score > -1.5', columns)).toEqual({ column: 'r_score', op: '>', value: -1.5 });
    expect(parseRule('true', columns)).toEqual({ always: true });
  });

  it('keeps a quote inside a string as data, never as SQL', () => {
    const tree = parseRule("rfm_cell = 'x'' or 1=1 --'", columns);
    expect(tree).toEqual({ column: 'rfm_cell', op: '=', value: "x' or 1=1 --" });
  });

  it('rejects unknown columns with a suggestion and the position', () => {
    try {
      parseRule('r_score >= 4 and f_scor >= 2', columns);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RuleSyntaxError);
      const e = error as RuleSyntaxError;
      expect(e.message).toBe('unknown column "f_scor"');
      expect(e.position).toBe(17);
      expect(e.hint).toContain('did you mean "f_score"');
    }
  });

  it('rejects type mismatches, SQL fragments and trailing garbage', () => {
    expect(() => parseRule("r_score = '4'", columns)).toThrow(/is a number but '4' is a string/);
    expect(() => parseRule('rfm_cell = R5F5M5', columns)).toThrow(/expected a value/);
    expect(() => parseRule('r_score >= 4; drop table customer_profile', columns)).toThrow(/unexpected character ";"/);
    expect(() => parseRule('r_score >= 4 f_score >= 2', columns)).toThrow(/unexpected "f_score"/);
    expect(() => parseRule('r_score >= (select 1)', columns)).toThrow(/expected a value/);
    expect(() => parseRule("rfm_cell = 'a\\b'", columns)).toThrow(/backslashes/);
    expect(() => parseRule("rfm_cell = 'open", columns)).toThrow(/unterminated string/);
    expect(() => parseRule('is_one_time_buyer between 1 and 2', columns)).toThrow(/does not apply to boolean/);
  });

  it('formats a tree back to text that parses to the same tree', () => {
    const text = "(r_score >= 4 or f_score in (1, 2)) and not rfm_cell = 'R1''F1' and recency_days between 0 and 30";
    const tree = parseRule(text, columns);
    expect(parseRule(formatRule(tree), columns)).toEqual(tree);
  });
});
