import { showOrders } from './orderlist.js';

showOrders('custom');
