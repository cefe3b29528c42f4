/**
 * Downstream statistical readouts of frozen representations (DrasCLR §4, docs/drasclr.md; none of it is in the
 * authors' repository). Pure TypeScript on Float64Arrays:
 *
 * - image-embedding.ts: image-level representation = mean of a scan's patch embeddings;
 * - linear-regression.ts: OLS / ridge (QR), R², k-fold cross-validated R²;
 * - logistic-regression.ts (+ lbfgs.ts): multinomial logistic regression with L2, accuracy and 1-off accuracy;
 * - cox.ts: Cox proportional hazards (Breslow ties, L2, Newton-Raphson), Breslow baseline hazard;
 * - newton.ts: damped Newton ascent (Cholesky steps, step halving) for the penalised likelihoods;
 * - concordance.ts: Harrell's C, Uno's IPCW C(τ) (the time-dependent index used here), Antolini's C^td;
 * - classification.ts: linear readout for patch classification with precision, recall, F1.
 *
 * Features are an array of rows or `{ data, cols }` row-major (design.ts); all inputs are validated (finite values,
 * matching lengths) with errors naming the argument.
 *
 * Example (one fold of the DrasCLR protocol; `patchEmb[s]` = scan s's patch embeddings, n_patches × 128):
 *   const X = scans.map((s) => meanPatchEmbedding(patchEmb[s]));
 *   const fev = crossValidatedR2(X, logFev1pp, { ridge: 1, standardize: true, foldOf }); // fev.mean, fev.std
 *   const gold = fitLogisticRegression(Xtrain, goldTrain, { standardize: true });
 *   const pred = gold.predict(Xtest); accuracy(pred, goldTest); oneOffAccuracy(pred, goldTest);
 *   const cox = fitCox(XtrainWithConfounders, timeTrain, eventTrain, { l2: 1, standardize: true });
 *   const risk = cox.predictRisk(XtestWithConfounders);
 *   for (const tau of timeQuantiles(timeTrain, eventTrain))
 *     unoConcordance(timeTest, eventTest, risk, { tau, trainTime: timeTrain, trainEvent: eventTrain }).cIndex;
 */
export * from './design.js';
export * from './linalg.js';
export * from './image-embedding.js';
export * from './linear-regression.js';
export * from './lbfgs.js';
export * from './logistic-regression.js';
export * from './cox.js';
export { newtonAscent, type NewtonObjective } from './newton.js';
export * from './concordance.js';
export * from './classification.js';
