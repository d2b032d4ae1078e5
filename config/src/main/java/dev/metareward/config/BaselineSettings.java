package dev.metareward.config;

/**
 * Budgets of the paper's comparison rows (docs/BASELINES.md) that train by gradient descent on a preference loss:
 * the Bradley-Terry reward model of RM-MT + RWR (over phi), DPO and HPL (over theta). Each budget has the keys of
 * {@code outer} (steps, batch of preference pairs, optimizer, learning rate, clip norm), so it drives the same
 * {@code OuterOptimizer}. The policy step of RM-MT + RWR has no budget of its own: it is the meta-test's
 * fine-tuning ({@code meta-test} steps, batch and learning rate), so that it differs from the meta-test only in
 * phi and its data.
 *
 * @param dpoBeta     the DPO temperature b in -log sigmoid(b [(F(c) - F_ref(c)) - (F(d) - F_ref(d))])
 * @param selectEvery model selection on the training domains' evaluation pairs every this many steps (0 = off)
 */
public record BaselineSettings(int selectEvery, OuterSettings rewardModel, OuterSettings dpo, double dpoBeta,
                               OuterSettings hpl) {

    static BaselineSettings read(SettingsReader r) {
        SettingsReader dpo = r.child("dpo");
        return new BaselineSettings(r.intAtLeast("select-every", 0), OuterSettings.readBudget(r.child("reward-model")),
                OuterSettings.readBudget(dpo), dpo.positive("beta"), OuterSettings.readBudget(r.child("hpl")));
    }
}
