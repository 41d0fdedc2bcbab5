// Short notices shown below the top bar (clear of the demo banner).
import { ElMessage } from 'element-plus'

const OFFSET = 72

export const toast = {
  success: (message: string) => ElMessage({ message, type: 'success', offset: OFFSET, grouping: true }),
  error: (message: string) => ElMessage({ message, type: 'error', offset: OFFSET, grouping: true, duration: 6000 }),
}
