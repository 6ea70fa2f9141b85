// bench/duckcheck.mjs — the DuckDB peer of `acimport check` in bench/compare.sh:
//
//   node bench/duckcheck.mjs MODULES CSV [OUT]
//
// MODULES is the folder whose node_modules holds @duckdb/node-api (compare.sh installs it into
// bench/.duckdb); OUT is where the JSON lines go, /dev/null by default.
//
// It does with DuckDB, on 2 threads, the typed conversion that check does with
// bench/customers.yaml: it reads the CSV of bench/gen with each column typed as the mapping
// declares it (birthday a DATE in the form DD.MM.YYYY, crm_id a BIGINT, the rest text), and writes
// one JSON object a row shaped as check's request body: db_id, matching, the email lower-cased and
// matched against an address pattern, skip_triggers, and data with the date as YYYY-MM-DD, the
// gender mapped through the enum's values whatever its case, the phone as +7 and its last ten
// digits, the int as a number, and the email subscription.
//
// What it does not do that check does: no real phone normalisation (check parses the number for
// its region and checks its length and type; here digits are only kept), no per-row errors (a bad
// value stops the query where check counts the row invalid and goes on), no report of problems or
// example bodies, no progress display, no detection of the encoding or the delimiter (both are
// given). Every row of bench/gen's files is valid, so the output is the same rows either way.
import { createRequire } from 'node:module';
import path from 'node:path';

const [modules, csv, out = '/dev/null'] = process.argv.slice(2);
if (!modules || !csv) {
	console.error('usage: node bench/duckcheck.mjs MODULES CSV [OUT]');
	process.exit(2);
}
const require = createRequire(path.resolve(modules, 'package.json'));
const { DuckDBInstance } = require('@duckdb/node-api');

const quote = (s) => "'" + s.replaceAll("'", "''") + "'";
const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
const connection = await instance.connect();
await connection.run(`
COPY (
	SELECT
		1 AS db_id,
		'email' AS matching,
		lower(email) AS email,
		true AS skip_triggers,
		{
			'email': lower(email),
			'_fname': first_name,
			'_lname': last_name,
			'_bdate': birthday,
			'_sex': CASE upper(gender) WHEN 'M' THEN 'male' WHEN 'F' THEN 'female' END,
			'phones': ['+7' || right(regexp_replace(phone, '[^0-9]', '', 'g'), 10)],
			'CRM_ID': crm_id,
			'city': city,
			'subscriptions': [{'channel': 'email', 'resource_id': 1, 'email': lower(email)}]
		} AS data
	FROM read_csv(${quote(csv)},
		header = true, delim = ',', quote = '"', escape = '"', dateformat = '%d.%m.%Y',
		columns = {
			'email': 'VARCHAR', 'first_name': 'VARCHAR', 'last_name': 'VARCHAR', 'birthday': 'DATE',
			'gender': 'VARCHAR', 'phone': 'VARCHAR', 'crm_id': 'BIGINT', 'city': 'VARCHAR'
		})
	WHERE regexp_full_match(email, '[^@\\s]+@[^@\\s]+\\.[^@\\s]+')
) TO ${quote(out)} (FORMAT json)`);
connection.closeSync();
instance.closeSync();
