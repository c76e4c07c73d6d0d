package dev.moa.limits;

/** Told of every refusal (the metrics count them by kind). */
@FunctionalInterface
public interface RefusalListener {

    RefusalListener NONE = (kind, mix) -> { };

    void refused(LimitRefusal.Kind kind, String mix);
}
