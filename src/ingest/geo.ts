/** IP geolocation and ASN lookup: the code lives in geo/ (one file per job); this path stays for importers. */
export * from './geo/index.js';
