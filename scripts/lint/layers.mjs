// The architecture's layers as a lint rule: which folder may import which. Each relative import is
// resolved against the importing file, so a rule speaks of folders ("core/nn may not import
// core/models"), not of how many `../` an import happens to need. docs/architecture.md draws the
// same layers; test/lint/layers.test.ts proves a forbidden import fails.
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Low-level pieces: they know tensors, tokens, files and numbers, never a model or a caller. */
const LOW = ['core/util', 'core/nn', 'core/formats', 'core/text', 'core/image', 'core/backend', 'core/data', 'core/decoding', 'core/explain', 'core/checkpoint', 'core/training'];
const FAMILY_SUPPORT = ['core/imageClassifiers'];

/**
 * Each layer: the files it covers (folders, or files), and what they may not import, with why.
 * `family` marks a layer whose sub-folders are families: one may not import another.
 */
export const LAYERS = [
  { name: 'protocol', files: ['protocol'], forbid: ['core', 'extension', 'webview'], why: 'protocol/ is the contract every process shares; it imports nothing of theirs' },
  { name: 'extension', files: ['extension'], forbid: ['core', 'webview'], why: 'the extension host talks to the engine and the panels through protocol/ only' },
  { name: 'webview', files: ['webview'], forbid: ['core', 'extension'], why: 'panels render what the engine sends, through protocol/ only' },
  { name: 'low-level', files: LOW, forbid: ['core/models', ...FAMILY_SUPPORT, 'core/session', 'core/runs', 'core/engine', 'core/cli'], why: 'low-level pieces never depend on a model or on what calls them' },
  { name: 'families', files: ['core/models', ...FAMILY_SUPPORT], except: ['core/models/registry.ts'], forbid: ['core/models/registry.ts', 'core/session', 'core/runs', 'core/engine', 'core/cli'], family: 'core/models', why: 'a model family knows the interface, not the engine, the runs or the editor session', familyWhy: 'families stand alone; what two share goes to a low-level folder' },
  { name: 'services', files: ['core/session', 'core/runs', 'core/engine', 'core/cli'], forbidFamilies: 'core/models', why: 'the engine, session, runs and CLI reach families through core/models/registry.ts' },
];

const rel = (abs) => path.relative(ROOT, abs).split(path.sep).join('/');
const under = (file, folder) => file === folder || file.startsWith(`${folder}/`) || file === `${folder}.ts`;

/** Why `from` may not import `to` (both repository-relative, `to` without extension), or null. */
export function forbidden(from, to) {
  for (const layer of LAYERS) {
    if (!layer.files.some((f) => under(from, f)) || layer.except?.some((f) => under(from, f))) continue;
    const hit = layer.forbid?.find((f) => under(to, f.replace(/\.ts$/, '')));
    if (hit) return `${layer.name}: ${from} may not import ${hit} (${layer.why})`;
    if (layer.family && under(from, layer.family) && under(to, layer.family)) {
      const a = from.slice(layer.family.length + 1).split('/');
      const b = to.slice(layer.family.length + 1).split('/');
      if (a.length > 1 && b.length > 1 && a[0] !== b[0]) return `${layer.name}: ${from} may not import another family's ${layer.family}/${b[0]} (${layer.familyWhy})`;
    }
    if (layer.forbidFamilies && under(to, layer.forbidFamilies) && to.slice(layer.forbidFamilies.length + 1).includes('/')) {
      return `${layer.name}: ${from} may not import the family folder ${to} (${layer.why})`;
    }
  }
  return null;
}

const rule = {
  meta: { type: 'problem', docs: { description: 'Keep imports inside the architecture layers' }, schema: [] },
  create(context) {
    const from = rel(context.filename);
    const check = (node, source) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const to = rel(path.resolve(path.dirname(context.filename), source)).replace(/\.(ts|js|mjs)$/, '');
      const why = forbidden(from, to);
      if (why) context.report({ node, message: why });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};

export const layersPlugin = { rules: { imports: rule } };
