#!/usr/bin/env node
// Turns a JUnit XML file (pytest --junitxml) into the counts file test-summary.mjs reads.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

const [xmlPath, jsonPath] = process.argv.slice(2);
const xml = readFileSync(xmlPath, 'utf8');
const suite = /<testsuite\b([^>]*)>/.exec(xml)?.[1] ?? '';
const attr = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(suite)?.[1] ?? 0);
const failed = attr('failures') + attr('errors');
const skipped = attr('skipped');
const passed = attr('tests') - failed - skipped;
const project = basename(dirname(dirname(resolve(jsonPath))));
writeFileSync(jsonPath, `${JSON.stringify({ project, kind: 'addon', passed, failed, skipped })}\n`);
