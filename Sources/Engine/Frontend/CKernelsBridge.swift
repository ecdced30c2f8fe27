import CKernels

/// Exposes the frontend's window preparation to tests and tools that do not
/// import CKernels themselves.
enum CKernelsBridge {
    static func standardize(_ window: UnsafeBufferPointer<Float>, topDB: Float, eps: Float,
                                   into out: UnsafeMutableBufferPointer<Float>) {
        precondition(window.count == out.count)
        gs_standardize(window.baseAddress!, Int32(window.count), topDB, eps, out.baseAddress!)
    }
}
