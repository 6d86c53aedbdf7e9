/** Run by `npm run build`: writes dist/build-commit.json, the commit the build was compiled from (gitCommit.ts). */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gitCommit } from './gitCommit.js';

const root = fileURLToPath(new URL('../../..', import.meta.url)); // dist/src/runs/ → the checkout
writeFileSync(new URL('../../build-commit.json', import.meta.url), JSON.stringify({ commit: gitCommit(root) }) + '\n');
