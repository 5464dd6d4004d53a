// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
// A JVM leaking direct buffers: leakDirectBuffer keeps N buffers of 1 MiB
// from ByteBuffer.allocateDirect in a list (native memory the Java heap
// and its tools do not see). It is first called enough to be compiled by
// the JIT (warm-up buffers are small and dropped), so that its frame is
// named by the JVM's perf map. Protocol: prints "ready", leaks on a "go"
// line on stdin, prints "leaked N", then waits for stdin to close.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

public class DirectLeak {
    static final int MIB = 1 << 20;
    static final int WARMUP_CALLS = 20000;

    static void leakDirectBuffer(List<ByteBuffer> into, int size) {
        into.add(ByteBuffer.allocateDirect(size));
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        List<ByteBuffer> kept = new ArrayList<>();
        List<ByteBuffer> warmup = new ArrayList<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));

        for (int i = 0; i < WARMUP_CALLS; i++)
            leakDirectBuffer(warmup, 16);
        warmup = null;
        System.out.println("ready");
        System.out.flush();
        String line;
        while ((line = in.readLine()) != null && !line.equals("go"))
            ;
        for (int i = 0; i < n; i++)
            leakDirectBuffer(kept, MIB);
        System.out.println("leaked " + kept.size());
        System.out.flush();
        while (in.readLine() != null)
            ;
    }
}
