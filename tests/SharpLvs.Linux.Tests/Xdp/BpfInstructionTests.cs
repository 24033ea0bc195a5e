using SharpLvs.Linux.Xdp;
using static SharpLvs.Linux.Xdp.BpfInstruction;
using R = SharpLvs.Linux.Xdp.BpfRegister;

namespace SharpLvs.Linux.Tests.Xdp;

/// <summary>
/// Encodings checked against Documentation/bpf/standardization/instruction-set.rst: opcode
/// byte = operation | source | class, then dst_reg in the low nibble and src_reg in the high
/// nibble, a little-endian 16-bit offset and 32-bit immediate.
/// </summary>
public class BpfInstructionTests
{
    private static readonly (string Description, Action<BpfAssembler> Emit, string Expected)[] Cases =
    [
        // "exit": BPF_JMP | BPF_EXIT = 0x95.
        ("exit", a => a.Exit(), "9500000000000000"),

        // "call 1" (bpf_map_lookup_elem): BPF_JMP | BPF_CALL = 0x85, imm = helper id.
        ("call 1", a => a.Call(1), "8500000001000000"),

        // MOV64_IMM r0, 2: BPF_ALU64 | BPF_MOV | BPF_K = 0xb7.
        ("mov64 r0, 2", a => a.Mov64(R.R0, 2), "b700000002000000"),

        // MOV64_REG r6, r1: BPF_ALU64 | BPF_MOV | BPF_X = 0xbf, regs = src 1 << 4 | dst 6.
        ("mov64 r6, r1", a => a.Mov64(R.R6, R.R1), "bf16000000000000"),

        // ADD64_IMM r2, -24: 0x07, imm sign-extended.
        ("add64 r2, -24", a => a.Alu64(OpAdd, R.R2, -24), "07020000e8ffffff"),

        // LDX_MEM(W) r2, [r1 + 16]: BPF_LDX | BPF_MEM | BPF_W = 0x61.
        ("ldxw r2, [r1+16]", a => a.Load(SizeW, R.R2, R.R1, 16), "6112100000000000"),

        // LDX_MEM(H) r2, [r7 + 12]: 0x69.
        ("ldxh r2, [r7+12]", a => a.Load(SizeH, R.R2, R.R7, 12), "69720c0000000000"),

        // LDX_MEM(B) r4, [r9 + 0]: 0x71.
        ("ldxb r4, [r9]", a => a.Load(SizeB, R.R4, R.R9, 0), "7194000000000000"),

        // LDX_MEM(DW) r3, [r9 + 24]: 0x79.
        ("ldxdw r3, [r9+24]", a => a.Load(SizeDw, R.R3, R.R9, 24), "7993180000000000"),

        // ST_MEM(DW) [r10 - 8], 0: BPF_ST | BPF_MEM | BPF_DW = 0x7a, offset -8 = 0xfff8.
        ("stdw [r10-8], 0", a => a.Store(SizeDw, R.R10, -8, 0), "7a0af8ff00000000"),

        // STX_MEM(W) [r10 - 24], r3: BPF_STX | BPF_MEM | BPF_W = 0x63.
        ("stxw [r10-24], r3", a => a.Store(SizeW, R.R10, -24, R.R3), "633ae8ff00000000"),

        // STX_MEM(B) [r10 - 7], r5: 0x73.
        ("stxb [r10-7], r5", a => a.Store(SizeB, R.R10, -7, R.R5), "735af9ff00000000"),

        // be16 r7: BPF_ALU | BPF_END | BPF_TO_BE = 0xdc, imm = 16.
        ("be16 r7", a => a.ToBigEndian16(R.R7), "dc07000010000000"),

        // AND64_IMM r4, 0x0f: 0x57. LSH64_IMM r4, 2: 0x67. RSH64_IMM r5, 4: 0x77.
        ("and64 r4, 15", a => a.Alu64(OpAnd, R.R4, 0x0F), "570400000f000000"),
        ("lsh64 r4, 2", a => a.Alu64(OpLsh, R.R4, 2), "6704000002000000"),
        ("rsh64 r5, 4", a => a.Alu64(OpRsh, R.R5, 4), "7705000004000000"),

        // ADD64_REG r9, r4: 0x0f.
        ("add64 r9, r4", a => a.Alu64(OpAdd, R.R9, R.R4), "0f49000000000000"),

        // lddw r1, map fd 7: 0x18 with src = BPF_PSEUDO_MAP_FD (1), two slots, the second all zero.
        ("lddw r1, map[7]", a => a.LoadMap(R.R1, 7), "1811000007000000" + "0000000000000000"),
    ];

    public static TheoryData<string> Encodings => [.. Cases.Select(c => c.Description)];

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Encode_SpecExamples_MatchesKnownBytes(string description)
    {
        var (_, emit, expected) = Cases.Single(c => c.Description == description);
        var a = new BpfAssembler();
        emit(a);
        var bytes = BpfAssembler.Encode(a.Build());
        Assert.True(expected == Convert.ToHexStringLower(bytes), $"{description}: {Convert.ToHexStringLower(bytes)}");
    }

    [Fact]
    public void Build_ForwardAndBackwardJumps_OffsetsCountFromNextInstruction()
    {
        var a = new BpfAssembler();
        var end = a.NewLabel();
        var top = a.NewLabel();
        a.Mark(top);
        a.Jump(JumpGt, R.R9, R.R8, end);   // 0: JGT_X = 0x2d, to 3 → off 2
        a.Jump(JumpEq, R.R2, 0x0008, top); // 1: JEQ_K = 0x15, to 0 → off -2
        a.Jump(end);                       // 2: JA = 0x05, to 3 → off 0
        a.Mark(end);
        a.Exit();
        var code = a.Build();

        Assert.Equal("2d89020000000000", Hex(code[0]));
        Assert.Equal("1502feff08000000", Hex(code[1]));
        Assert.Equal("0500000000000000", Hex(code[2]));
    }

    [Fact]
    public void Build_UnboundLabel_Throws()
    {
        var a = new BpfAssembler();
        a.Jump(a.NewLabel());
        Assert.Throws<InvalidOperationException>(() => a.Build());
    }

    [Fact]
    public void Registers_DestinationLowNibbleSourceHighNibble()
    {
        var instruction = new BpfInstruction(0xbf, R.R6, R.R1, 0, 0);
        Assert.Equal(R.R6, instruction.Destination);
        Assert.Equal(R.R1, instruction.Source);
        Assert.Equal(ClassAlu64, instruction.Class);
    }

    private static string Hex(BpfInstruction instruction)
    {
        var bytes = new byte[8];
        instruction.Encode(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}
