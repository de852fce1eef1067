import { openChdb } from '../src/warehouse/chdb.js';
import { tokenFingerprintSql, timed, percentile } from './common.js';
const wh = openChdb('/tmp/twdiag');
const fp = ((await wh.query(`SELECT ${tokenFingerprintSql('50')} AS fp`))[0] as any).fp;
const sql = `SELECT grouping(ip, country, city, asn, method, path, status) AS g, count() AS requests
FROM usage_events WHERE token_fingerprint = {fp:String} AND ts >= now64(3) - toIntervalDay(30)
GROUP BY GROUPING SETS ((ip), (country), (country, city), (asn), (method, path), (status)) ORDER BY g LIMIT 1 BY g`;
console.log(await wh.query(sql, { fp }));
await wh.close();
