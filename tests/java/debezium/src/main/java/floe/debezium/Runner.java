package floe.debezium;

import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;

import java.io.FileInputStream;
import java.io.InputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Runs Debezium's embedded engine with the given connector properties and
 * produces every change event to Kafka, as a Kafka Connect worker would:
 * topic = the record's destination, key and value = the JsonConverter's
 * JSON text (schemas on by default; a null value is a tombstone).
 *
 * <pre>
 *   Runner ENGINE.properties BOOTSTRAP STATUS_FILE
 * </pre>
 *
 * Topics that do not exist yet are created with one partition (the test
 * broker does not create topics). Each batch is flushed to Kafka before
 * Debezium may commit its offsets, so nothing is lost. STATUS_FILE is
 * rewritten after every batch ("records=N") and gets "stopped=1" at exit.
 * SIGTERM stops the engine cleanly; exit status 0 unless the engine failed.
 */
public final class Runner {
    private static final AtomicLong RECORDS = new AtomicLong();

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: Runner ENGINE.properties BOOTSTRAP STATUS_FILE");
            System.exit(2);
        }
        Properties engineProps = new Properties();
        try (InputStream in = new FileInputStream(args[0])) {
            engineProps.load(in);
        }
        String bootstrap = args[1];
        Path status = Path.of(args[2]);

        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        pp.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        KafkaProducer<String, String> producer = new KafkaProducer<>(pp);
        Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
        Set<String> topics = new HashSet<>(admin.listTopics().names().get());

        String[] failure = {null};
        CountDownLatch done = new CountDownLatch(1);
        DebeziumEngine<ChangeEvent<String, String>> engine = DebeziumEngine.create(Json.class)
            .using(engineProps)
            .notifying((List<ChangeEvent<String, String>> records,
                        DebeziumEngine.RecordCommitter<ChangeEvent<String, String>> committer) -> {
                for (ChangeEvent<String, String> r : records) {
                    String topic = r.destination();
                    if (topics.add(topic)) createTopic(admin, topic);
                    producer.send(new ProducerRecord<>(topic, r.key(), r.value()));
                }
                producer.flush();
                for (ChangeEvent<String, String> r : records) committer.markProcessed(r);
                committer.markBatchFinished();
                writeStatus(status, "records=" + RECORDS.addAndGet(records.size()) + "\n");
            })
            .using((boolean success, String message, Throwable error) -> {
                if (!success) {
                    failure[0] = message;
                    System.err.println("debezium-runner: engine failed: " + message);
                    if (error != null) error.printStackTrace();
                }
                done.countDown();
            })
            .build();

        ExecutorService executor = Executors.newSingleThreadExecutor();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                engine.close();
                done.await(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                e.printStackTrace();
            }
            producer.flush();
            producer.close();
            admin.close();
            writeStatus(status, "records=" + RECORDS.get() + "\nstopped=1\n");
        }));
        writeStatus(status, "records=0\n");
        executor.execute(engine);
        done.await();
        executor.shutdown();
        if (failure[0] != null) {
            Runtime.getRuntime().halt(1);
        }
    }

    private static void createTopic(Admin admin, String topic) {
        try {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) throw new RuntimeException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeException(e);
        }
    }

    private static synchronized void writeStatus(Path status, String text) {
        try {
            Path tmp = status.resolveSibling(status.getFileName() + ".tmp");
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, status, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }
}
