/**
 * The Snowflake Warehouse (src/warehouse/snowflake.ts): the placeholder rewrite and names by hand,
 * then the driver against fakesnow's server (scripts/ensure-fakesnow.mjs): the values come back
 * in the interface's form, streams come in pages, writeTable replaces and appends, views count as
 * tables.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakesnow, type FakesnowServer } from '../scripts/ensure-fakesnow.mjs';
import type { Warehouse } from '../src/warehouse/index.js';
import { openSnowflakeWarehouse, snowflakeIdentifier, toSnowflakeBinds } from '../src/warehouse/snowflake.js';

describe('placeholders and names', () => {
  it('turns $n into ? in order of appearance, binding a repeated $n again, outside literals and comments', () => {
    const sql = `select $2, '$1 it''s', "col$1", $1 /* $3 */ from t where a = $2 -- $3\n and b = $1`;
    expect(toSnowflakeBinds(sql, ['x', 7])).toEqual({
      sqlText: `select ?, '$1 it''s', "col$1", ? /* $3 */ from t where a = ? -- $3\n and b = ?`,
      binds: [7, 'x', 7, 'x'],
    });
  });

  it('refuses a placeholder without a parameter, and binds null, dates and bigints as Snowflake takes them', () => {
    expect(() => toSnowflakeBinds('select $2', [1])).toThrow('placeholder $2 has no parameter (1 given)');
    expect(toSnowflakeBinds('select $1, $2, $3, $4', [null, undefined, new Date('2024-02-29T10:00:00Z'), 2n ** 60n]).binds).toEqual([null, null, '2024-02-29T10:00:00.000Z', '1152921504606846976']);
  });

  it('names plain identifiers as Snowflake stores unquoted ones (upper case), others exactly', () => {
    expect(snowflakeIdentifier('customer_profile')).toBe('"CUSTOMER_PROFILE"');
    expect(snowflakeIdentifier('Mixed Name"x')).toBe('"Mixed Name""x"');
  });
});

describe('against fakesnow', () => {
  let server: FakesnowServer;
  let warehouse: Warehouse;

  beforeAll(async () => {
    server = await startFakesnow();
    const connection = { type: 'snowflake' as const, account: server.account, user: server.user, password: server.password, passwordSource: 'test', database: 'wh_test', schema: 'wh_schema', host: server.host, port: server.port, protocol: server.protocol, threads: 1 };
    warehouse = await openSnowflakeWarehouse(connection);
    await warehouse.execute('create database if not exists wh_test');
  }, 600_000); // the first start may build fakesnow's cached environment

  afterAll(async () => {
    await warehouse?.close();
    server?.stop();
  });

  it('writes a table, then reads every type back in the interface form', async () => {
    const columns = [
      { name: 'label', type: 'text' as const },
      { name: 'amount', type: 'double' as const },
      { name: 'big', type: 'bigint' as const },
      { name: 'flag', type: 'boolean' as const },
      { name: 'day', type: 'date' as const },
      { name: 'seen_at', type: 'timestamp' as const },
    ];
    await warehouse.writeTable('typed', columns, [
      ['a', 0.1, '9007199254740993', true, '2024-02-29', '2024-03-01 10:15:30'],
      ['b', -2.5, 42, false, null, null],
    ]);
    expect(warehouse.qualify('typed')).toBe('"WH_TEST"."WH_SCHEMA"."TYPED"');
    const rows = await warehouse.query(`select * from ${warehouse.qualify('typed')} where label in ($1, $2) order by label`, ['a', 'b']);
    expect(rows).toEqual([
      // 2^53 + 1 does not fit a double: it stays exact, as text
      { label: 'a', amount: 0.1, big: '9007199254740993', flag: true, day: '2024-02-29', seen_at: '2024-03-01T10:15:30.000Z' },
      // a null stays null (the driver's default would spell it 'NULL')
      { label: 'b', amount: -2.5, big: 42, flag: false, day: null, seen_at: null },
    ]);
    // unquoted names in the callers' SQL resolve in the target schema; columns come back lower case
    expect(await warehouse.query('select count(*) as N, sum(amount) as Total from typed')).toEqual([{ n: 2, total: -2.4 }]);
  });

  it('appends, replaces, and sees views as tables', async () => {
    const columns = [{ name: 'n', type: 'bigint' as const }];
    await warehouse.writeTable('counts', columns, [[1], [2]]);
    await warehouse.writeTable('counts', columns, [[3]], { mode: 'append' });
    expect(await warehouse.query('select sum(n) as s from counts')).toEqual([{ s: 6 }]);
    await warehouse.writeTable('counts', columns, [[10]]);
    expect(await warehouse.query('select sum(n) as s from counts')).toEqual([{ s: 10 }]);
    await warehouse.execute(`create or replace view ${warehouse.qualify('counts_view')} as select n, n * 2 as doubled from counts`);
    expect(await warehouse.tableExists('counts_view')).toBe(true);
    expect(await warehouse.tableExists('no_such_table')).toBe(false);
    expect(await warehouse.columns('counts_view')).toEqual(['n', 'doubled']);
    expect(await warehouse.columns('no_such_table')).toEqual([]);
  });

  it('streams a result in pages of the asked size', async () => {
    await warehouse.writeTable('five', [{ name: 'i', type: 'bigint' }], [[1], [2], [3], [4], [5]]);
    const pages: number[][] = [];
    for await (const page of warehouse.stream<{ i: number }>('select i from five where i >= $1 order by i', { pageSize: 2, params: [1] })) pages.push(page.map((row) => row.i));
    expect(pages).toEqual([[1, 2], [3, 4], [5]]);
  });
});
