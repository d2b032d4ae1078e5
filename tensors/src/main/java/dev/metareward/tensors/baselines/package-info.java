/**
 * The paper's comparison rows on the same warm-started base, data and a comparable budget (docs/BASELINES.md):
 * the SFT policy, RM-MT + RWR (a Bradley-Terry reward model, then the meta-test's reward-weighted fine-tuning with
 * it, on training-domain or training + held-out SFT data), DPO with the SFT policy as reference, and HPL (loss_PL
 * over theta). Each trainer returns a parameter vector in a {@link dev.metareward.tensors.baselines.BaselineResult};
 * evaluating it (PL accuracy, generations) is the caller's job.
 */
package dev.metareward.tensors.baselines;
