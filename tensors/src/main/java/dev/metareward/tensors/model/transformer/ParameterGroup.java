package dev.metareward.tensors.model.transformer;

/**
 * A named slice of a flat parameter vector, e.g. {@code layer1.lora.A} at [offset, offset + length): for
 * diagnostics, tests and per-group statistics; the model itself only ever sees the flat vector.
 */
public record ParameterGroup(String name, long offset, long length) {

    static ParameterGroup[] of(AdapterLayout al, ModelShape s, String headName) {
        int layers = s.layers();
        ParameterGroup[] groups = new ParameterGroup[3 * layers + 2];
        long d = s.dModel();
        long r = s.loraRank();
        for (int l = 0; l < layers; l++) {
            groups[3 * l] = new ParameterGroup("layer" + l + ".lora.A", al.loraA[l], 2 * r * d);
            groups[3 * l + 1] = new ParameterGroup("layer" + l + ".lora.Bq", al.loraBq[l], d * r);
            groups[3 * l + 2] = new ParameterGroup("layer" + l + ".lora.Bv", al.loraBv[l], d * r);
        }
        groups[3 * layers] = new ParameterGroup(headName + ".weight", al.headWeight, d * al.headOutputs);
        groups[3 * layers + 1] = new ParameterGroup(headName + ".bias", al.headBias, al.headOutputs);
        return groups;
    }
}
