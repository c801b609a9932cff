#!/usr/bin/env node
// The `rollout-watchdog` command. Plain JavaScript so it runs from a fresh clone without a build:
// it registers tsx's loader, then hands over to the TypeScript CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
