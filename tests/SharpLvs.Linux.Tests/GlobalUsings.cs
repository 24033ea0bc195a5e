// The interop class is named as dotnet/runtime names it; tests reach it under one short alias.
global using Native = SharpLvs.Linux.Interop;
