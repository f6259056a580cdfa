import { bundleEveryFunction } from '/work/main/infra/bundling/measure';
const { sizes } = await bundleEveryFunction();
const want = process.env.SHOW!.split(',');
for (const s of sizes.filter((x) => want.includes(x.entry))) {
  const key = Object.keys(s.metafile.outputs).find((k) => k.endsWith(`${s.entry}/index.mjs`))!;
  const inputs = s.metafile.outputs[key]!.inputs;
  console.log(JSON.stringify(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.bytesInOutput]))));
}
