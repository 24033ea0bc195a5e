// Packet views and writers run once per frame: stack buffers (stackalloc) are always written
// before they are read, so zeroing them is pure cost.
[module: System.Runtime.CompilerServices.SkipLocalsInit]
