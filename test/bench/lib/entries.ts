// The function catalog lives with the local tooling (`npm run invoke` uses it too); the benchmarks read it from there.
export * from '../../../infra/local/function-catalog';
