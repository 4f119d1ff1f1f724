#!/usr/bin/env node
// The TypeScript sources run through tsx's loader, so `npm start` needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
