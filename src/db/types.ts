import type postgres from 'postgres';

/** A postgres.js client (pool) or transaction; SQL functions take whichever they are given. */
export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;
export type Db = Sql | Tx;
