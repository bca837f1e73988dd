package scan

// Portable makes s scan with the portable engine, the one non-Linux
// systems use, so its tests run on Linux too.
func Portable(s *Scanner) *Scanner {
	s.portable = true
	return s
}
