import { defineCommand } from '../command-spec.ts';

export const validateSpec = defineCommand({
  name: 'validate',
  synopsis: 'FILE',
  about: 'Checks a topology file, and compiles its edge functions; exit 2 with the JSON path of the first error.',
  options: {},
  positionals: 'FILE',
});
