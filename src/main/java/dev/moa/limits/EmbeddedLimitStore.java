package dev.moa.limits;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The limit store of one process (dev mode, a single server): in memory, and written to {@code <dir>/limits.json}
 * after every change, so a restart keeps the month's spend. One lock makes every change atomic; expired entries
 * are dropped when the file is written.
 */
public final class EmbeddedLimitStore implements LimitStore {

    private static final String FILE = "limits.json";

    private final Path file;
    private final ObjectMapper json;
    private final Clock clock;
    private final Map<String, Counter> counters = new HashMap<>();
    private final Map<String, Ledger> accounts = new HashMap<>();

    private static final class Counter {
        long value;
        long expires;
    }

    private static final class Ledger {
        BigDecimal spent = BigDecimal.ZERO;
        final Map<String, BigDecimal> holds = new HashMap<>();
        long requests;
        long tokens;
        long expires;

        BigDecimal held() {
            return holds.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        }
    }

    public EmbeddedLimitStore(Path dir, ObjectMapper json, Clock clock) {
        this.file = dir.resolve(FILE);
        this.json = json;
        this.clock = clock;
        load();
    }

    @Override
    public synchronized OptionalLong incrementBelow(String counter, long ceiling, Instant expires) {
        Counter c = counter(counter, expires);
        if (c.value >= ceiling) {
            return OptionalLong.empty();
        }
        c.value++;
        save();
        return OptionalLong.of(c.value);
    }

    @Override
    public synchronized void add(String counter, long amount, Instant expires) {
        counter(counter, expires).value += amount;
        save();
    }

    @Override
    public synchronized long read(String counter) {
        Counter c = counters.get(counter);
        return c == null || c.expires <= clock.instant().getEpochSecond() ? 0 : c.value;
    }

    @Override
    public synchronized Optional<BigDecimal> hold(String account, HoldId hold, BigDecimal amount, BigDecimal ceiling,
                                                  Instant expires) {
        Ledger ledger = ledger(account, expires);
        BigDecimal committed = ledger.spent.add(ledger.held()).add(amount);
        if (committed.compareTo(ceiling) > 0) {
            return Optional.empty();
        }
        ledger.holds.put(hold.value(), amount);
        save();
        return Optional.of(committed);
    }

    @Override
    public synchronized BigDecimal settle(String account, HoldId hold, BigDecimal held, BigDecimal spent, long tokens,
                                    Instant expires) {
        Ledger ledger = ledger(account, expires);
        if (hold != null) {
            ledger.holds.remove(hold.value());
        }
        ledger.spent = ledger.spent.add(spent);
        ledger.requests++;
        ledger.tokens += tokens;
        save();
        return ledger.spent.add(ledger.held());
    }

    @Override
    public synchronized void release(String account, HoldId hold, BigDecimal amount) {
        Ledger ledger = accounts.get(account);
        if (ledger != null && ledger.holds.remove(hold.value()) != null) {
            save();
        }
    }

    @Override
    public synchronized int releaseStale(String account, Instant now) {
        Ledger ledger = accounts.get(account);
        if (ledger == null) {
            return 0;
        }
        int released = 0;
        for (Iterator<String> it = ledger.holds.keySet().iterator(); it.hasNext(); ) {
            if (new HoldId(it.next()).staleAt().isBefore(now)) {
                it.remove();
                released++;
            }
        }
        if (released > 0) {
            save();
        }
        return released;
    }

    @Override
    public synchronized Account account(String account) {
        Ledger ledger = accounts.get(account);
        if (ledger == null || ledger.expires <= clock.instant().getEpochSecond()) {
            return Account.EMPTY;
        }
        return new Account(ledger.spent, ledger.held(), ledger.requests, ledger.tokens);
    }

    private Counter counter(String name, Instant expires) {
        Counter c = counters.get(name);
        long now = clock.instant().getEpochSecond();
        if (c == null || c.expires <= now) {
            c = new Counter();
            counters.put(name, c);
        }
        c.expires = Math.max(c.expires, expires.getEpochSecond());
        return c;
    }

    private Ledger ledger(String name, Instant expires) {
        Ledger ledger = accounts.get(name);
        if (ledger == null || ledger.expires <= clock.instant().getEpochSecond()) {
            ledger = new Ledger();
            accounts.put(name, ledger);
        }
        ledger.expires = Math.max(ledger.expires, expires.getEpochSecond());
        return ledger;
    }

    /** Written to a temporary file and moved into place, so a crash mid-write leaves the previous state. */
    private void save() {
        long now = clock.instant().getEpochSecond();
        counters.values().removeIf(c -> c.expires <= now);
        accounts.values().removeIf(l -> l.expires <= now);
        ObjectNode root = json.createObjectNode();
        ObjectNode cs = root.putObject("counters");
        counters.forEach((name, c) -> cs.putObject(name).put("value", c.value).put("expires", c.expires));
        ObjectNode as = root.putObject("accounts");
        accounts.forEach((name, l) -> {
            ObjectNode a = as.putObject(name);
            a.put("spent", l.spent).put("requests", l.requests).put("tokens", l.tokens).put("expires", l.expires);
            ObjectNode holds = a.putObject("holds");
            l.holds.forEach(holds::put);
        });
        try {
            Files.createDirectories(file.getParent());
            Path temporary = file.resolveSibling(FILE + ".tmp");
            Files.write(temporary, json.writeValueAsBytes(root));
            try {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new LimitStoreUnavailableException("cannot write " + file, e);
        }
    }

    private void load() {
        if (!Files.isRegularFile(file)) {
            return;
        }
        JsonNode root;
        try {
            root = json.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the limits state " + file, e);
        }
        root.path("counters").fields().forEachRemaining(entry -> {
            Counter c = new Counter();
            c.value = entry.getValue().path("value").asLong();
            c.expires = entry.getValue().path("expires").asLong();
            counters.put(entry.getKey(), c);
        });
        root.path("accounts").fields().forEachRemaining(entry -> {
            JsonNode a = entry.getValue();
            Ledger l = new Ledger();
            l.spent = new BigDecimal(a.path("spent").asText("0"));
            l.requests = a.path("requests").asLong();
            l.tokens = a.path("tokens").asLong();
            l.expires = a.path("expires").asLong();
            a.path("holds").fields().forEachRemaining(h -> l.holds.put(h.getKey(), new BigDecimal(h.getValue().asText())));
            accounts.put(entry.getKey(), l);
        });
    }
}
