package dev.metareward.config;

/** MLE warm start of the base model on the SFT data of all domains. */
public record BaseSettings(int steps, int batch, double learningRate) {
    static BaseSettings read(SettingsReader r) {
        return new BaseSettings(r.intAtLeast("steps", 0), r.intAtLeast("batch", 1), r.positive("learning-rate"));
    }
}
