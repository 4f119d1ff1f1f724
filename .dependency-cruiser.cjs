// The layer rules of README "Layout", checked by `npm run check:layers` (and test/layers.test.ts).
// Building blocks sit below everything that runs: they never import what runs them.
const BUILDING_BLOCKS = '^src/(geo|net|http|units|routing|dns|eviction|cache|trace|report|topology|metrics|admin|workload|charts|functions)/';
const RUNNERS = '^src/(edge|origin|router|sim|loadgen|supervisor|cli)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'building-block-imports-runner',
      comment: 'A building block imports a component, the simulator, the load generator, the supervisor or the CLI: move what both need down into a building block.',
      severity: 'error',
      from: { path: BUILDING_BLOCKS },
      to: { path: RUNNERS },
    },
    {
      name: 'component-imports-component',
      comment: 'The edge, the origin and the router talk HTTP, not imports: what two of them share belongs in a building block.',
      severity: 'error',
      from: { path: '^src/(edge|origin|router)/' },
      to: { path: '^src/(edge|origin|router)/', pathNot: '^src/$1/' },
    },
    {
      name: 'imports-cli',
      comment: 'The CLI is the top layer: only the CLI itself (and bin/) may import it.',
      severity: 'error',
      from: { path: '^(src|bench|scripts)/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'folder-cycle',
      comment: 'Two folders import each other (perhaps through others): one of them has to be the lower layer.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'module-cycle',
      comment: 'Modules that import each other (perhaps through others).',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing: a moved file whose importers were not updated.',
      severity: 'error',
      from: {},
      // Relative ones only: a package's type-only or exports-map subpaths are the compiler's business.
      to: { couldNotResolve: true, path: '^[.]' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    // Type-only imports count (tsPreCompilationDeps): a type from a higher layer ties the lower one to it all the same.
  },
};
