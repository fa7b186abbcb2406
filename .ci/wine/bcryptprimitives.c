/*
 * bcryptprimitives.dll for Wine 8.0 (Debian 12), which lacks it.
 *
 * Go 1.22 and later get random bytes on Windows from ProcessPrng in
 * bcryptprimitives.dll and stop at once when it is missing ("fatal error:
 * bcryptprimitives.dll not found"). This DLL gives that one function, filled
 * by RtlGenRandom (SystemFunction036 in advapi32), which Wine has. It is
 * only for running the Windows build under Wine in CI; real Windows has
 * its own DLL.
 *
 * Build: x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll \
 *          bcryptprimitives.c bcryptprimitives.def -ladvapi32
 * The Go runtime loads it from system32 only.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
	(void)inst; (void)reason; (void)reserved;
	return TRUE;
}
